"""Scoring raw CSV rows with an exported mmoe model in onnxruntime (Python).

Categorical values are hashed as training hashed them (fingerprint64.py: farmhash Fingerprint64
modulo buckets, the empty value in bucket `buckets`), numeric values go in raw as float64 (their
transform is inside the graph, in float64), everything named as signature.json says. Needs numpy and onnxruntime.

    python score_onnx.py models/latest rows.csv > scores.csv
"""
import csv
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fingerprint64 import bucket  # noqa: E402


# What training reads as a number: float() alone also takes nan, inf and 1_000, which training refuses.
DECIMAL = re.compile(r"[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*", re.ASCII)


def numeric(inp, value):
    """A raw numeric cell: a decimal number, or the feature's empty value for a blank cell."""
    if value.strip() == "":
        if inp["emptyValue"] is None:
            raise ValueError(f"{inp['column']}: empty value, and the model has no fill value for it")
        return inp["emptyValue"]
    return decimal(inp["column"], value)


def decimal(column, value):
    """A decimal cell as training parses it, or an error naming the column."""
    if not DECIMAL.fullmatch(value) or abs(float(value)) == float("inf"):
        raise ValueError(f"{column}: '{value}' is not a number")
    return float(value)


def bucketize(value, b, column="value"):
    """The bucket id of a bucketized number (a field with boundaries): how many boundaries are <= x (a double, as training compares)."""
    if value.strip() == "":
        return b["emptyValueBucket"]
    x = decimal(column, value)
    return sum(1 for edge in b["boundaries"] if edge <= x)


def categorical(inp, value):
    """The bucket id of a raw categorical value: hashed, or bucketized."""
    return bucket(value, inp["hash"]["buckets"]) if inp["hash"] else bucketize(value, inp["bucketize"], inp["column"])


def to_feeds(signature, rows):
    """Model inputs for rows (dicts keyed by CSV column name): one [batch] array per input."""
    feeds = {}
    for inp in signature["inputs"]:
        raw = [row.get(inp["column"], "") for row in rows]
        if inp["kind"] == "categorical":
            feeds[inp["name"]] = np.array([categorical(inp, v) for v in raw], dtype=np.int64)
        else:
            feeds[inp["name"]] = np.array([numeric(inp, v) for v in raw], dtype=np.float64)
    return feeds


def open_model(model_dir):
    """model.onnx and signature.json of `model_dir`; returns (signature, score(rows) -> {output: array})."""
    import onnxruntime as ort

    with open(os.path.join(model_dir, "signature.json")) as f:
        signature = json.load(f)
    session = ort.InferenceSession(os.path.join(model_dir, "model.onnx"), providers=["CPUExecutionProvider"])
    names = [o["name"] for o in signature["outputs"]]

    def score(rows):
        return dict(zip(names, session.run(names, to_feeds(signature, rows))))

    return signature, score


if __name__ == "__main__":
    model_dir, csv_file = sys.argv[1:3]
    with open(csv_file, newline="") as f:
        rows = list(csv.DictReader(f))
    signature, score = open_model(model_dir)
    tasks = [o["name"] for o in signature["outputs"] if o["kind"] != "gate"]
    scores = score(rows)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(tasks)
    for i in range(len(rows)):
        out.writerow([repr(float(scores[t][i])) for t in tasks])

"""TensorFlow's half of bench/export-census.ts: scores a test day's raw CSV with model.keras
(keras.models.load_model), with the SavedModel model.export() makes of it, and with model.onnx in
Python onnxruntime, through examples/serving/score_onnx.py's inputs; prints each task's AUC
(scikit-learn roc_auc_score) as JSON {engine: {task: auc}}.

    venv-tf/bin/python bench/export_census_tf.py MODEL_DIR DAY_DIR
"""
import csv
import glob
import gzip
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "serving"))
from score_onnx import open_model, to_feeds  # noqa: E402


def main(model_dir, day_dir):
    rows = []
    for f in sorted(glob.glob(os.path.join(day_dir, "*.csv.gz"))):
        with gzip.open(f, "rt", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    signature, score = open_model(model_dir)
    tasks = [o for o in signature["outputs"] if o["kind"] == "task"]
    feeds = to_feeds(signature, rows)
    model = keras.models.load_model(os.path.join(model_dir, "model.keras"))
    outputs = {"TensorFlow 2.21 Keras (model.keras)": model.predict(feeds, batch_size=4096, verbose=0)}
    with tempfile.TemporaryDirectory() as d:
        model.export(os.path.join(d, "saved_model"), verbose=False)
        serving = tf.saved_model.load(os.path.join(d, "saved_model")).signatures["serving_default"]
        outputs["TensorFlow 2.21 SavedModel (serving_default)"] = serving(**{k: tf.constant(v) for k, v in feeds.items()})
    outputs["onnxruntime Python (model.onnx)"] = score(rows)
    result = {}
    for engine, out in outputs.items():
        result[engine] = {t["name"]: float(roc_auc_score([int(r[t["task"]["label"]]) for r in rows], out[t["name"]].numpy() if hasattr(out[t["name"]], "numpy") else out[t["name"]])) for t in tasks}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

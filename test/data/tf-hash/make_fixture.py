"""Writes tf-hash-buckets.json: TensorFlow's own tf.strings.to_hash_bucket_fast of a few hundred
values at several bucket counts, the reference test/data/hash.test.ts checks mmoe's hashing
against (the test needs no TensorFlow). Made once with:

    python3 -m venv /tmp/venv-tf && /tmp/venv-tf/bin/pip install tensorflow-cpu==2.21.0
    /tmp/venv-tf/bin/python test/data/tf-hash/make_fixture.py > test/data/tf-hash/tf-hash-buckets.json

The values are deterministic (no randomness): ids as they appear in CTR logs, whitespace that a
trim() would eat, Unicode in several scripts and normal forms, every length from 0 to 130 (each
branch of farmhash's Fingerprint64: 0-16, 17-32, 33-64, 65+ bytes) and a few long strings.
"""
import json
import sys

import tensorflow as tf

BUCKETS = [1, 2, 3, 10, 100, 1000, 10007, 65536, 999983, 1000003, 2147483647, 4294967311]


def values():
    v = ['', 'Hello', 'TensorFlow', '2.x', 'NA', 'null', 'None', '0', '-1', '1.0', '1e3']
    v += [str(i) for i in range(60)]
    v += ['%08x' % (i * 2654435761 % 2**32) for i in range(40)]  # device_ip / adid-like hex ids
    v += ['a1b2c3d4', 'site_1', 'app.domain.com', 'https://example.com/a?b=c&d=e', 'user@example.com']
    v += [' ', '  ', '\t', '\n', '\r\n', ' a', 'a ', ' a ', 'a b', 'a  b', '\ta', 'a\t', 'a\n', '\u00a0a', 'a\u00a0', '\u3000a', '\ufeffa']
    v += ['\u00e9', 'e\u0301', 'É', 'ß', '\ufb01', '\u2126', '\u03a9', 'Ängström', 'naïve', 'ça va', 'Привет', 'Ελληνικά']
    v += ['日本', '日本語', '中文字符', '한국어', 'ไทย', 'हिन्दी', 'العربية', 'עברית', '😀', '👍🏽', '👨‍👩‍👧', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'a😀b']
    v += ['\u0000', 'a\u0000b', '\u0001', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '\U00010000', '\U0010ffff']
    v += ['"quoted"', "it's", 'comma,inside', 'semi;colon', '\\backslash', '%s', '{}', '[]']
    v += ['x' * n for n in range(1, 131)]
    v += [''.join(chr(97 + (i * 7 + n) % 26) for i in range(n)) for n in (15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 1000)]
    v += ['é' * 40, '日本' * 50, '😀' * 33, 'ab' * 5000]
    return v


def main():
    vals = values()
    expected = {}
    for n in BUCKETS:
        out = tf.strings.to_hash_bucket_fast(tf.constant(vals), n).numpy()
        expected[str(n)] = [int(x) for x in out]
    json.dump({
        'made_by': 'test/data/tf-hash/make_fixture.py',
        'tensorflow': tf.__version__,
        'function': 'tf.strings.to_hash_bucket_fast(values, buckets)',
        'buckets': BUCKETS,
        'values': vals,
        'expected': expected,
    }, sys.stdout, ensure_ascii=True, indent=None)
    sys.stdout.write('\n')


main()

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from '../../src/errors.js';
import { decodeEvent, encodeEvent } from '../../src/tensorboard/event.js';
import { frameRecord, parseRecords } from '../../src/tensorboard/tfrecord.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// Two records of an event file TensorFlow wrote for tf.summary.scalar("accuracy", 0.99, step=77),
// as dumped in tensorboard/data/server/tf_record.rs (test_success).
const record1 = bytes('\x09\x00\x00\x80\x38\x99\xd6\xd7\x41\x1a\x0dbrain.Event:2');
const record2 = bytes(
  '\x09\xc4\x05\xb7\x3d\x99\xd6\xd7\x41\x10\x4d\x2a\x25\x0a\x23\x0a\x08accuracy' +
    '\x42\x0a\x08\x01\x12\x00\x22\x04\xa4\x70\x7d\x3f\x4a\x0b\x0a\x09\x0a\x07scalars',
);
const tfFile = Uint8Array.from([
  ...bytes('\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7f\x4b\x22'),
  ...record1,
  ...bytes('\x12\x4b\x36\xab'),
  ...bytes('\x32\x00\x00\x00\x00\x00\x00\x00\x24\x19\x56\xec'),
  ...record2,
  ...bytes('\xa5\x5b\x64\x33'),
]);

test('reads an event file written by TensorFlow, CRCs checked', () => {
  const records = parseRecords(tfFile);
  assert.deepEqual(records, [record1, record2]);
  const first = decodeEvent(records[0]!);
  assert.equal(first.fileVersion, 'brain.Event:2');
  assert.equal(first.step, 0);
  const second = decodeEvent(records[1]!);
  assert.equal(second.step, 77);
  assert.equal(second.scalars?.length, 1);
  assert.equal(second.scalars![0]!.tag, 'accuracy');
  assert.equal(second.scalars![0]!.value, Math.fround(0.99));
});

test('writes the file_version record byte for byte as TensorFlow does', () => {
  const wallTime = decodeEvent(record1).wallTime;
  const encoded = encodeEvent({ wallTime, step: 0, fileVersion: 'brain.Event:2' });
  assert.deepEqual(encoded, record1);
  assert.deepEqual(frameRecord(encoded), tfFile.subarray(0, 16 + record1.length));
});

test('scalar events round-trip with simple_value, including large and negative steps', () => {
  for (const step of [1, 300, 2 ** 40, -5]) {
    const e = decodeEvent(encodeEvent({ wallTime: 1700000000.25, step, scalars: [{ tag: 'loss/total', value: 0.125 }, { tag: 'auc', value: NaN }] }));
    assert.equal(e.step, step);
    assert.equal(e.wallTime, 1700000000.25);
    assert.equal(e.scalars![0]!.value, 0.125);
    assert.ok(Number.isNaN(e.scalars![1]!.value));
  }
  assert.throws(() => encodeEvent({ wallTime: 0, step: 0.5 }), /not a safe integer/);
});

test('a flipped byte or a cut-off record is reported with its record number and offset', () => {
  const damaged = tfFile.slice();
  damaged[30] = damaged[30]! ^ 1;
  assert.throws(() => parseRecords(damaged, 'x.tfevents'), (e: unknown) => e instanceof DataError && /x\.tfevents: record 1 at byte 0: data CRC mismatch/.test(e.message));
  const lengthHit = tfFile.slice();
  lengthHit[41] = 0x33;
  assert.throws(() => parseRecords(lengthHit), /record 2 at byte 40: length CRC mismatch/);
  assert.throws(() => parseRecords(tfFile.subarray(0, tfFile.length - 3)), /record 2 at byte 40: record of 50 bytes runs past the end/);
  assert.throws(() => parseRecords(tfFile.subarray(0, 45)), /header needs 12 bytes, 5 left/);
});

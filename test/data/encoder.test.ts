import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Encoder } from '../../src/data/encoder.js';
import { EncodedTable } from '../../src/data/encoded-table.js';
import { hashToBucket } from '../../src/data/hash.js';
import { DataError } from '../../src/errors.js';
import { smallSpec } from './fixtures.js';

const HEADER = ['click', 'watch', 'ad', 'site', 'price'];

function encodeOne(fields: string[], extra: Record<string, unknown> = {}) {
  const enc = new Encoder(smallSpec(extra));
  const fe = enc.forFile('f.csv', HEADER);
  const t = EncodedTable.forSpec(enc.spec, 1);
  const reason = fe.encode(fields, t, 0);
  return { reason, t, fe };
}

/** Encodes each row and checks its bad-row reason, column and value; returns the results. */
function expectBad(cases: [string[], string, string, string][]) {
  return cases.map(([fields, reason, column, value]) => {
    const r = encodeOne(fields);
    assert.equal(r.reason, reason, fields.join(','));
    assert.equal(r.fe.badColumn, column);
    assert.equal(r.fe.badValue, value);
    return r;
  });
}

test('a good row: buckets, empty -> reserved bucket, NA is an ordinary value, labels transformed', () => {
  const { reason, t } = encodeOne(['1', '3', 'NA', '', '2.5']);
  assert.equal(reason, null);
  assert.deepEqual([...t.cat], [hashToBucket('NA', 100), 50]);
  assert.notEqual(t.cat[0], 100);
  assert.deepEqual([...t.num], [2.5]);
  assert.deepEqual([...t.labels], [1, Math.fround(Math.log1p(3))]);
});

test('bad rows give their reason, column and value', () => {
  const cases: [string[], string, string, string][] = [
    [['2', '3', 'a', 's', '1'], 'label_not_binary', 'click', '2'],
    [['', '3', 'a', 's', '1'], 'label_not_binary', 'click', ''],
    [['1', 'abc', 'a', 's', '1'], 'label_not_number', 'watch', 'abc'],
    [['1', '-0.5', 'a', 's', '1'], 'label_out_of_range', 'watch', '-0.5'],
    [['1', '3', 'a', 's', 'x1'], 'numeric_unparsable', 'price', 'x1'],
    [['1', '3', 'a', 's', ''], 'numeric_unparsable', 'price', ''],
    [['1', '3', 'a', 's', 'NA'], 'numeric_unparsable', 'price', 'NA'],
    [['1', '3', 'a', 's', 'Infinity'], 'numeric_unparsable', 'price', 'Infinity'],
    [['1', '3', 'a', 's', '0x10'], 'numeric_unparsable', 'price', '0x10'],
    [['0x1', '3', 'a', 's', '1'], 'label_not_binary', 'click', '0x1'],
    [['1e0', '3', 'a', 's', '1'], 'label_not_binary', 'click', '1e0'],
    [['+1', '3', 'a', 's', '1'], 'label_not_binary', 'click', '+1'],
    [['1', '0x10', 'a', 's', '1'], 'label_not_number', 'watch', '0x10'],
  ];
  expectBad(cases);
  const short = encodeOne(['1', '3', 'a']);
  assert.equal(short.reason, 'field_count');
  assert.match(short.fe.badDetail, /expected 5 fields as in the header, got 3/);
});

test('a number float32 cannot hold is a bad row naming column, value and why; float32 extremes are fine', () => {
  // 1e300 is finite as a double but Infinity as the float32 the model computes in (then NaN scores).
  const cases: [string[], string, string, string][] = [
    [['1', '3', 'a', 's', '1e300'], 'numeric_out_of_range', 'price', '1e300'],
    [['1', '3', 'a', 's', '-3.5e38'], 'numeric_out_of_range', 'price', '-3.5e38'],
    [['1', '1e39', 'a', 's', '1'], 'label_not_number', 'watch', '1e39'],
  ];
  for (const r of expectBad(cases)) assert.match(r.fe.badDetail, /outside float32's range/);
  // The largest float32 and a value that rounds to it are in range; so is the smallest subnormal.
  for (const v of ['3.4028234663852886e38', '-3.4028235e38', '1e-45']) assert.equal(encodeOne(['1', '3', 'a', 's', v]).reason, null, v);
  // A label without a transform must fit float32 as it is.
  const plain = encodeOne(['1', '1e300', 'a', 's', '1'], {
    tasks: [
      { name: 'ctr', label: 'click', type: 'binary' },
      { name: 'watch', label: 'watch', type: 'regression' },
    ],
  });
  assert.equal(plain.reason, 'label_not_number');
  // A value in range whose transform leaves it (configured statistics) is bad too.
  const scaled = encodeOne(['1', '3', 'a', 's', '3e38'], {
    features: { categorical: [{ name: 'ad', buckets: 100 }, { name: 'site', buckets: 50 }], numeric: [{ name: 'price', transform: 'standardize', mean: 0, std: 0.5 }] },
  });
  assert.equal(scaled.reason, 'numeric_out_of_range');
  assert.match(scaled.fe.badDetail, /standardize/);
});

test('binary labels accept 0.0/1.0; an empty numeric takes fillEmpty when configured', () => {
  assert.equal(encodeOne(['1.0', '0', 'a', 's', '1']).reason, null);
  const filled = encodeOne(['0', '0', 'a', 's', ' '], {
    features: { categorical: [{ name: 'ad', buckets: 100 }, { name: 'site', buckets: 50 }], numeric: [{ name: 'price', fillEmpty: -1 }] },
  });
  assert.equal(filled.reason, null);
  assert.deepEqual([...filled.t.num], [-1]);
});

test('row weights must be finite and non-negative', () => {
  const spec = smallSpec({ rowWeight: 'w' });
  const enc = new Encoder(spec);
  const fe = enc.forFile('f.csv', [...HEADER, 'w']);
  const t = EncodedTable.forSpec(spec, 1);
  assert.equal(fe.encode(['1', '3', 'a', 's', '1', '0.5'], t, 0), null);
  assert.deepEqual([...t.weights!], [0.5]);
  for (const w of ['-1', 'x', '', 'NaN', '1e39']) assert.equal(fe.encode(['1', '3', 'a', 's', '1', w], t, 0), 'weight_invalid', w);
});

test('a missing feature or label column is structural: names file, column and the header', () => {
  const enc = new Encoder(smallSpec());
  assert.throws(
    () => enc.forFile('day/f.csv', ['click', 'ad', 'site', 'price']),
    (e: unknown) =>
      e instanceof DataError && /day\/f\.csv:1/.test(e.message) && /'watch' \(label of task watch\)/.test(e.message) && /header has: click, ad, site, price/.test(e.message),
  );
  assert.throws(() => enc.forFile('f.csv', ['click', 'watch', 'site', 'price']), /'ad' \(categorical feature\)/);
  // Predict reads no labels, so files without label columns are fine there.
  const noLabels = new Encoder(smallSpec(), { labels: false }).forFile('f.csv', ['ad', 'site', 'price']);
  const t = EncodedTable.forSpec(smallSpec(), 1);
  assert.equal(noLabels.encode(['a', 's', '1'], t, 0), null);
  assert.ok(Number.isNaN(t.labels[0]));
});

test('a negative regression label is bad only under labelTransform log1p', () => {
  const noLog = encodeOne(['1', '-2.5', 'a', 's', '1'], {
    tasks: [
      { name: 'ctr', label: 'click', type: 'binary' },
      { name: 'watch', label: 'watch', type: 'regression' },
    ],
  });
  assert.equal(noLog.reason, null);
  assert.equal(noLog.t.labels[1], -2.5);
  const zero = encodeOne(['1', '0', 'a', 's', '1']);
  assert.equal(zero.reason, null);
  assert.equal(zero.t.labels[1], 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstInvalidUtf8, Utf8Guard } from '../../src/data/utf8-guard.js';

test('valid multi-byte characters split across chunks pass, at every split point', () => {
  const text = Buffer.from('a,é\n€,😀\nz\n');
  for (let cut = 0; cut <= text.length; cut++) {
    const g = new Utf8Guard();
    assert.equal(g.check(text.subarray(0, cut)), null, `cut ${cut}`);
    assert.equal(g.check(text.subarray(cut)), null, `cut ${cut}`);
    assert.equal(g.end(), null);
    assert.equal(g.newlines, 3);
  }
});

test('invalid bytes are reported with their physical line, also across chunks and at end of input', () => {
  const g = new Utf8Guard();
  assert.equal(g.check(Buffer.from('h\n1\n')), null);
  assert.deepEqual(g.check(Buffer.from([0x32, 0x0a, 0x33, 0xff, 0x0a])), { line: 4, bytes: '0xff 0x0a' });

  const split = new Utf8Guard();
  assert.equal(split.check(Buffer.from([0x61, 0x0a, 0xe2, 0x82])), null);
  assert.deepEqual(split.check(Buffer.from([0x41, 0x0a])), { line: 2, bytes: '0xe2 0x82 0x41' });
  const cutAtEnd = new Utf8Guard();
  assert.equal(cutAtEnd.check(Buffer.from([0x61, 0x0a, 0xe2, 0x82])), null);
  assert.deepEqual(cutAtEnd.end(), { line: 2, bytes: '0xe2 0x82' });
});

test('firstInvalidUtf8 rejects overlongs, surrogates and stray continuation bytes', () => {
  assert.equal(firstInvalidUtf8(Buffer.from('ok é')), -1);
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf])), 1); // overlong '/'
  assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), 0); // surrogate
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0x80])), 1);
});

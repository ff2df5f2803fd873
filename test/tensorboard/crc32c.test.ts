import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, maskCrc, maskedCrc32c, unmaskCrc } from '../../src/tensorboard/crc32c.js';

const ascii = (s: string) => new TextEncoder().encode(s);

test('crc32c check value and RFC 3720 B.4 vectors', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('masked CRC of a record from a real TensorFlow event file', () => {
  // tensorboard/data/server/masked_crc.rs: Event(file_version="CRC test, one two") -> 0x5794d08a
  assert.equal(maskedCrc32c(ascii('\x1a\x11CRC test, one two')), 0x5794d08a);
});

test('mask is the TFRecord rotation plus delta, and unmask inverts it', () => {
  assert.equal(maskCrc(0), 0xa282ead8);
  for (const c of [0, 1, 0x8a9136aa, 0xffffffff, 0x12345678]) assert.equal(unmaskCrc(maskCrc(c)), c);
});

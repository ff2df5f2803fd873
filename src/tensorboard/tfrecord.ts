// TFRecord framing: uint64 length (LE), masked CRC32C of those 8 bytes, the data, masked CRC32C of
// the data (tensorflow/core/lib/io/record_writer.cc).
import { DataError } from '../errors.js';
import { maskedCrc32c } from './crc32c.js';

export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(data.length), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;

/**
 * Splits a TFRecord file into record payloads, checking both CRCs of every record. A bad CRC or a
 * truncated record is a DataError naming the file, the record number and its byte offset.
 */
export function parseRecords(buf: Uint8Array, file = '<buffer>'): Uint8Array[] {
  const records: Uint8Array[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const fail = (what: string): never => {
    throw new DataError(`record ${records.length + 1} at byte ${pos}: ${what}; the event file is damaged or was cut off mid-write`, { file });
  };
  while (pos < buf.length) {
    if (pos + 12 > buf.length) fail(`header needs 12 bytes, ${buf.length - pos} left`);
    const storedLenCrc = dv.getUint32(pos + 8, true);
    const lenCrc = maskedCrc32c(buf.subarray(pos, pos + 8));
    if (storedLenCrc !== lenCrc) fail(`length CRC mismatch (stored ${hex(storedLenCrc)}, computed ${hex(lenCrc)})`);
    const length = dv.getBigUint64(pos, true);
    if (length > BigInt(buf.length - pos - 16)) fail(`record of ${length} bytes runs past the end of the file`);
    const n = Number(length);
    const data = buf.subarray(pos + 12, pos + 12 + n);
    const storedCrc = dv.getUint32(pos + 12 + n, true);
    const crc = maskedCrc32c(data);
    if (storedCrc !== crc) fail(`data CRC mismatch (stored ${hex(storedCrc)}, computed ${hex(crc)})`);
    records.push(data);
    pos += 16 + n;
  }
  return records;
}

// The fast path of the records layer: CSV bytes without quotes split straight into records
// (decode the complete lines, split on '\n' and ','), several times faster than csv-parse, with
// the same records and line numbers. It says when it cannot vouch for a chunk; csv-reader.ts then
// hands the rest of the file to csv-parse.
//
// Why this is exact. Without a double quote, csv-parse (with the options csv-reader.ts gives it)
// carries nothing across a line ending: a record is its line split on ',', a line of nothing is
// skipped, and its line counter counts line endings. Its line ending is the first one in the file,
// '\n' or '\r\n' (a bare '\r' would be one too); any other carriage return is data to it, and a
// '\r\n' in a '\n' file even counts as two lines, so we leave every such file to csv-parse. ',' and
// '\n' never occur inside a multi-byte UTF-8 character, so decoding a line and splitting it equals
// decoding each field.
import type { TypedColumns } from './typed-columns.js';

/** The records parsed from one input chunk. Arrays are fresh per chunk. */
export interface RecordChunk {
  /** For a typed format (columns present), made on first use, before the next chunk is asked for. */
  readonly records: string[][];
  lines: number[];
  /** Typed formats (Parquet): the same rows as columns, which the encoder reads instead of records. */
  columns?: TypedColumns;
}

/** Where csv-parse takes over: the bytes not yet parsed, from the start of a line. */
export interface HandOver {
  bytes: Buffer;
  /** Physical line number of the first line in `bytes`. */
  firstLine: number;
  /** Whether `bytes` is the start of the file, where csv-parse must look for a BOM. */
  bom: boolean;
  /** The file's line ending once a line has been parsed; csv-parse detects it otherwise. */
  recordDelimiter: '\n' | '\r\n' | undefined;
}

/** A line of only spaces or tabs (one field, blank) is no record: skip_empty_lines leaves it. */
export function isBlankRecord(fields: string[]): boolean {
  return fields.length === 1 && fields[0]!.trim() === '';
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
/**
 * csv-parse acts on a byte only once 3 more bytes follow it (the longest UTF-8 space it could
 * trim), so a record whose line ending starts in the last 3 bytes it holds comes out with the next
 * chunk. Holding such lines back too gives the same records chunk for chunk.
 */
const LOOKAHEAD = 3;

export class FastLines {
  /** Bytes not yet parsed, from the start of a line (the BOM removed). */
  private pending: Buffer = Buffer.alloc(0);
  /** Physical line number of the first line in `pending`. */
  private line = 1;
  /** The line ending, once seen: '\r\n' (true) or '\n' (false). */
  private crlf: boolean | undefined;
  private bomChecked = false;

  /**
   * Adds the next chunk (undefined at the end of the file) and returns the records completed by
   * it, or null when these bytes need csv-parse: handOver() then says where to continue.
   */
  feed(buf: Buffer | undefined): RecordChunk | null {
    const end = buf === undefined;
    if (buf !== undefined) this.pending = this.pending.length === 0 ? buf : Buffer.concat([this.pending, buf]);
    let bytes = this.pending;
    const none: RecordChunk = { records: [], lines: [] };
    if (!this.bomChecked) {
      if (bytes.length < 3 && !end) return none;
      if (bytes[0] === 0xff && bytes[1] === 0xfe) return null; // UTF-16 BOM: csv-parse switches encoding
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = this.pending = bytes.subarray(3);
      this.bomChecked = true;
    }
    if (this.crlf === undefined) {
      // The first line ending decides, as in csv-parse's detection.
      const lf = bytes.indexOf(LF);
      const cr = bytes.indexOf(CR);
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        if (cr + 1 === lf) this.crlf = true;
        else if (cr + 1 < bytes.length || end) return null; // a bare '\r' ends records in csv-parse
      } else if (lf !== -1) this.crlf = false;
    }
    // Bytes before `cut` are parsed now: whole lines, or everything at the end.
    const lastEnding = bytes.length - 1 - LOOKAHEAD + (this.crlf ? 1 : 0); // last LF csv-parse acts on
    const cut = end ? bytes.length : lastEnding < 0 ? 0 : bytes.lastIndexOf(LF, lastEnding) + 1;
    if (cut === 0) return none;
    const region = bytes.subarray(0, cut);
    if (region.indexOf(QUOTE) !== -1 || (!this.crlf && region.indexOf(CR) !== -1)) return null;

    const texts = region.toString('utf8').split('\n');
    const last = texts.length - 1; // texts[last] follows the last '\n': '' unless at the end
    const records: string[][] = [];
    const lines: number[] = [];
    for (let i = 0; i <= last; i++) {
      let text = texts[i]!;
      if (this.crlf) {
        if (i < last) {
          if (text.charCodeAt(text.length - 1) !== CR) return null; // a bare '\n' is data in a '\r\n' file
          text = text.slice(0, -1);
        }
        if (text.includes('\r')) return null;
      }
      if (text.length === 0) continue;
      const fields = text.split(',');
      if (isBlankRecord(fields)) continue;
      records.push(fields);
      lines.push(this.line + i);
    }
    this.line += last;
    this.pending = bytes.subarray(cut);
    return { records, lines };
  }

  /** What csv-parse needs to go on from where the fast path stopped (after feed returned null). */
  handOver(): HandOver {
    return {
      bytes: this.pending,
      firstLine: this.line,
      bom: !this.bomChecked,
      // A line ending parsed here came before any quote: csv-parse would have detected it too.
      recordDelimiter: this.line > 1 ? (this.crlf ? '\r\n' : '\n') : undefined,
    };
  }
}

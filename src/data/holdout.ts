// The deterministic hold-out: a row goes to validation when a hash of (its file's path relative
// to the data directory, its line, the seed) falls below validRatio. The split depends on where
// a row sits, never on read order, batch size or shuffling, so reruns and resumed runs agree.
import farmhash from 'farmhash';

/** Per-file part of the hash: farmhash fingerprint32 of `${seed}:${relPath}` (stable across platforms). */
export function fileHoldoutKey(relPath: string, seed: number): number {
  return farmhash.fingerprint32(`${seed}:${relPath}`) >>> 0;
}

/** A uniform draw in [0, 1) for one line of a file (murmur3's 32-bit finaliser over key and line). */
export function holdoutDraw(fileKey: number, line: number): number {
  let h = (fileKey ^ Math.imul(line, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * The rule applied to the rows of encoded blocks, as every reader of training days applies it
 * (load-encoded.ts, read-batches.ts): the file's row test is made once per file.
 */
export class Holdout {
  private readonly rows: (relPath: string) => (line: number) => boolean;
  private fileIndex = -1;
  private inFile: (line: number) => boolean = () => false;

  constructor(
    readonly validRatio: number,
    readonly seed: number,
  ) {
    this.rows = heldOutRows(seed, validRatio);
  }

  /** True when row `r` of `block` goes to validation (never with validRatio 0). */
  holds(block: { fileIndex: number; file: { path: string }; lines: Int32Array }, r: number): boolean {
    if (!(this.validRatio > 0)) return false;
    if (block.fileIndex !== this.fileIndex) {
      this.fileIndex = block.fileIndex;
      this.inFile = this.rows(block.file.path);
    }
    return this.inFile(block.lines[r]!);
  }
}

/** True when the row at `line` of `relPath` belongs to the validation split. */
export function isHeldOut(relPath: string, line: number, seed: number, validRatio: number): boolean {
  return heldOutRows(seed, validRatio)(relPath)(line);
}

/**
 * The hold-out as a per-file row test (file path relative to the data directory, then line): the
 * one place the decision is made, for the readers (Holdout), the promotion gate's rows and tests.
 */
export function heldOutRows(seed: number, validRatio: number): (relPath: string) => (line: number) => boolean {
  return (relPath) => {
    const key = fileHoldoutKey(relPath, seed);
    return (line) => holdoutDraw(key, line) < validRatio;
  };
}

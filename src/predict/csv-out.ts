// Writing scores as CSV: RFC 4180 quoting for passed-through values and the shortest decimal that
// reads back as the same float32 for scores (the file itself is an AtomicFile: whole or absent).

/** A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * The shortest decimal (6 to 9 significant digits) that parses back to the same float32: scores
 * are float32, so more digits would be noise and fewer would change the value.
 */
export function formatScore(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return String(f);
  if (f === 0) return '0';
  for (let p = 6; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return trimZeros(s);
  }
  return trimZeros(f.toPrecision(9));
}

function trimZeros(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

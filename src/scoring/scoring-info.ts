// How a model scores rows (folded first layers or the plain graph, in which threads), as model
// directories report it and scoring threads confirm it.

/** How rows are scored: folded first layers (wasm) or the plain graph, and why. */
export interface ScoringInfo {
  backend: string;
  /** Why this backend (what `--backend auto` measured for scoring, or who asked for it); null where not known (a scoring thread's own view). */
  backendReason: string | null;
  engine: 'folded' | 'graph';
  /** Fields whose embedding lookup is folded into the first layers. */
  foldedFields: string[];
  /** Fields left to the matrix product, each with the reason. */
  unfoldedFields: { name: string; reason: string }[];
  /** MiB of projected tables held for scoring. */
  foldedMib: number;
  /** Why the plain graph scores (engine "graph"). */
  reason: string | null;
  /** Worker threads scoring while the main thread reads (0: the main thread scores). */
  threads: number;
}

/** One log line on how a model scores. */
export function scoringLine(s: ScoringInfo): string {
  const where = s.threads > 0 ? `${s.threads} scoring thread(s)` : 'the main thread';
  if (s.engine === 'graph') return `scoring with the plain graph on ${s.backend} in ${where} (${s.reason})`;
  const left = s.unfoldedFields.length ? `; not folded: ${s.unfoldedFields.map((f) => f.name).join(', ')}` : '';
  return `scoring on ${s.backend} in ${where} with ${s.foldedFields.length} field(s) folded into the first layers (${s.foldedMib} MiB of projected tables per scoring thread)${left}`;
}

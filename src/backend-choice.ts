// What `--backend auto` picks for a job, from measurements: the one table to update when an engine
// gets faster (a new tfjs, the wasm training fast path). Each row names the runs behind it; they
// are in docs/backends.md ("What auto picks"), with the commands that reproduce them.

export const ENGINES = ['tensorflow', 'wasm', 'cpu'] as const;
/** A tfjs backend: TensorFlow's C library (tfjs-node), tfjs-wasm (XNNPACK), or pure JavaScript. */
export type Engine = (typeof ENGINES)[number];

/** What the backend is for. */
export type Job =
  /** Training a model whose dense network costs `denseMacs` multiply-adds per row, forward. */
  | { kind: 'train'; denseMacs: number }
  /** Scoring (eval, predict): with folded first layers (`--fold-budget` > 0) or the plain graph. */
  | { kind: 'score'; folded: boolean }
  /** Anything else: the first engine installed. */
  | { kind: 'any' };

/**
 * The measured rules; change the numbers here, with the runs behind them in docs/backends.md
 * ("What auto picks": bench/engine-crossover.js, census.js, train-reference.js, eval-throughput.js).
 */
export const AUTO_RULES = {
  /** Scoring with folded first layers: the folded scorer runs on wasm only. */
  scoreFolded: {
    engine: 'wasm' as Engine,
    evidence: 'the folded wasm scorer needed 1.5x less CPU per row than tfjs-node (the reference ads model, 2M rows)',
  },
  /** Scoring with the plain graph (--fold-budget 0). */
  scoreGraph: {
    engine: 'tensorflow' as Engine,
    evidence: "tfjs-node ran the reference ads model's plain graph with 1.3x less CPU than wasm",
  },
  /**
   * Training: below this many dense multiply-adds per row wasm trains faster (per-kernel overhead
   * dominates a small network, and wasm's is lower); at or above it, TensorFlow's kernels. MMoE
   * steps measured 0.91x on wasm at 27,920 and 1.10x at 37,248 (CPU time, tensorflow / wasm).
   */
  train: {
    crossoverMacs: 30_000,
    below: 'wasm' as Engine,
    atOrAbove: 'tensorflow' as Engine,
    evidence: 'the census MMoE at 19,712 trained with 11% less CPU on wasm, the reference ads model at 105,536 in 29% less wall time on tfjs-node (fast path, 2 threads; tfjs-node validates it faster)',
  },
};

export interface AutoChoice {
  /** Engines to try, best first; the first one that starts runs. */
  order: Engine[];
  /** Why, for logs, metadata.json and reports. */
  reason: string;
}

const FALLBACK: Engine[] = ['tensorflow', 'wasm', 'cpu'];

/** `preferred` first, then the other engines in the usual order. */
function startingWith(preferred: Engine): Engine[] {
  return [preferred, ...FALLBACK.filter((e) => e !== preferred)];
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The engines `auto` tries for a job, best first, and why. */
export function autoChoice(job: Job): AutoChoice {
  switch (job.kind) {
    case 'score': {
      const rule = job.folded ? AUTO_RULES.scoreFolded : AUTO_RULES.scoreGraph;
      const what = job.folded ? 'scoring with folded first layers' : 'scoring with the plain graph (--fold-budget 0)';
      return { order: startingWith(rule.engine), reason: `auto for ${what}: ${rule.engine} first, ${rule.evidence}` };
    }
    case 'train': {
      const r = AUTO_RULES.train;
      const below = job.denseMacs < r.crossoverMacs;
      const engine = below ? r.below : r.atOrAbove;
      return {
        order: startingWith(engine),
        reason: `auto for training: ${engine} first, this dense network costs ${count(job.denseMacs)} multiply-adds per row, ${below ? 'under' : 'at or over'} the measured crossover of ${count(r.crossoverMacs)} (${r.evidence})`,
      };
    }
    default:
      return { order: FALLBACK, reason: 'auto: the first installed of tensorflow, wasm, cpu' };
  }
}

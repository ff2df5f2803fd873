// Turns gate statistics into warnings a practitioner can act on, with the usual causes of each
// failure mode from MMoE practice; the causes the run's own numbers point at come first.
import type { GateStats } from './gate.js';

export type GateWarningCode = 'polarized' | 'collapsed' | 'uniform' | 'shared-collapse';

export interface GateWarning {
  code: GateWarningCode;
  /** Tasks concerned (one, or several for a cross-task warning). */
  tasks: string[];
  message: string;
  /** Likely causes, the ones backed by this run's numbers first. */
  causes: string[];
}

export interface TaskGate {
  task: string;
  stats: GateStats;
  /** Binary tasks: positive rate of the labels the model trained on. */
  labelRate?: number;
  /** Regression tasks: standard deviation of the (transformed) labels. */
  labelStd?: number;
  lossWeight?: number;
  /** This task's share of the total weighted training loss, if known. */
  lossShare?: number;
}

export interface VerdictOptions {
  learningRate?: number;
  /** Share of polarized rows above which a gate counts as polarized ("most rows"). Default 0.5. */
  polarizedShare?: number;
  /** Mean weight of one expert above which a gate counts as collapsed. Default 0.9. */
  collapsedWeight?: number;
  /**
   * Normalized entropy above which a gate counts as near-uniform. Default 0.99: the mean KL
   * divergence of a row's weights from the even split is below 1% of ln(experts), which for small
   * logit differences means their spread across experts is below about 0.14 x sqrt(ln experts)
   * (0.2 for 8 experts): every expert's weight within about 20% of 1/experts.
   */
  uniformEntropy?: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** Causes of a polarized or collapsed gate, the ones this run's numbers support first. */
function collapseCauses(t: TaskGate, all: TaskGate[], options: VerdictOptions): string[] {
  const backed: string[] = [];
  const generic: string[] = [];
  const rate = t.labelRate;
  if ((rate !== undefined && (rate < 0.001 || rate > 0.999)) || t.labelStd === 0) {
    const what = rate !== undefined ? `positive rate ${pct(rate)}` : 'label standard deviation 0';
    backed.push(`degenerate or constant labels: task '${t.task}' has ${what}, so its gate has nothing to learn`);
  } else {
    generic.push(`degenerate or constant labels for task '${t.task}' (check its label column and rate)`);
  }
  const weights = all.map((g) => g.lossWeight ?? 1);
  const shareHigh = t.lossShare !== undefined && t.lossShare > 0.8 && all.length > 1;
  const weightSkew = Math.max(...weights) / Math.max(Math.min(...weights), 1e-12) >= 10;
  if (shareHigh || weightSkew) {
    const detail = shareHigh ? `task '${t.task}' makes ${pct(t.lossShare!)} of the loss` : `loss weights range from ${Math.min(...weights)} to ${Math.max(...weights)}`;
    backed.push(`one task dominating the loss (${detail}): check the loss weights or use uncertainty weighting`);
  } else {
    generic.push('one task dominating the loss: check the loss weights (a task with a larger loss scale pulls the shared experts)');
  }
  const lr = options.learningRate;
  if (lr !== undefined && lr >= 0.01) {
    backed.push(`too high a learning rate (${lr}): gate logits grow fast and the softmax saturates; try 10x lower`);
  } else {
    generic.push('too high a learning rate: gate logits grow fast and the softmax saturates');
  }
  generic.push(
    'bad initialisation of gates or experts: large initial gate weights saturate the softmax from the start, and experts initialised alike give the gate nothing to choose between (use small random gate weights and independently initialised experts)',
  );
  return [...backed, ...generic];
}

export function gateVerdict(gates: TaskGate[], options: VerdictOptions = {}): GateWarning[] {
  const polarizedShare = options.polarizedShare ?? 0.5;
  const collapsedWeight = options.collapsedWeight ?? 0.9;
  const uniformEntropy = options.uniformEntropy ?? 0.99;
  const warnings: GateWarning[] = [];
  const collapsedOn = new Map<number, string[]>();
  const judged = gates.filter((g) => g.stats.experts >= 2 && g.stats.rows > 0);
  const uniform: TaskGate[] = [];
  for (const g of judged) {
    const s = g.stats;
    const top = s.meanWeight.indexOf(Math.max(...s.meanWeight));
    const collapsed = s.meanWeight[top]! > collapsedWeight;
    if (collapsed) collapsedOn.set(top, [...(collapsedOn.get(top) ?? []), g.task]);
    if (s.polarizedFraction > polarizedShare) {
      const favourite = s.argmaxShare.indexOf(Math.max(...s.argmaxShare));
      warnings.push({
        code: 'polarized',
        tasks: [g.task],
        message:
          `task '${g.task}' has a polarized gate: one expert above ${s.polarizedAbove} on ${pct(s.polarizedFraction)} of rows ` +
          `(expert ${favourite} wins ${pct(s.argmaxShare[favourite]!)} of rows; mean entropy ${s.meanEntropy.toFixed(3)} nats, ${pct(s.normalizedEntropy)} of the maximum)`,
        causes: collapseCauses(g, gates, options),
      });
    } else if (collapsed) {
      warnings.push({
        code: 'collapsed',
        tasks: [g.task],
        message: `task '${g.task}' uses expert ${top} almost exclusively (mean weight ${pct(s.meanWeight[top]!)}): the other ${s.experts - 1} experts do little for it`,
        causes: collapseCauses(g, gates, options),
      });
    } else if (s.normalizedEntropy > uniformEntropy) {
      uniform.push(g);
    }
  }
  // A near-uniform gate is worth a look only when every task's gate is one: then every task reads
  // almost the same even average of the experts and the model is a shared bottom at the cost of
  // its gates. One near-uniform gate beside gates that choose is a task using the shared average,
  // which is MMoE working as meant (docs/eval.md, "Gate diagnostics").
  if (uniform.length > 0 && uniform.length === judged.length) {
    const experts = uniform[0]!.stats.experts;
    const entropies = uniform.map((g) => `${g.task} ${pct(g.stats.normalizedEntropy)}`).join(', ');
    warnings.push({
      code: 'uniform',
      tasks: uniform.map((g) => g.task),
      message:
        `${uniform.length > 1 ? "every task's gate is" : `task '${uniform[0]!.task}' has`} near-uniform (entropy ${entropies} of the maximum): ` +
        `each row spreads its weight almost evenly over the ${experts} experts, so ${uniform.length > 1 ? 'the tasks read the same average of them and ' : ''}the model acts like a shared bottom`,
      causes: [
        'the gates have not trained yet: too few steps or too low a learning rate for the gate weights',
        'the tasks may be closely related (see task relatedness), in which case a shared bottom is enough',
        'bad initialisation: experts initialised alike produce the same output, so no choice between them lowers the loss',
      ],
    });
  }
  for (const [expert, tasks] of collapsedOn) {
    if (tasks.length < 2) continue;
    warnings.push({
      code: 'shared-collapse',
      tasks,
      message: `tasks ${tasks.map((t) => `'${t}'`).join(', ')} all collapse onto expert ${expert}: the model has degenerated to a single shared expert`,
      causes: ['bad initialisation of gates or experts', 'too high a learning rate', 'one task dominating the loss: check the loss weights'],
    });
  }
  return warnings;
}

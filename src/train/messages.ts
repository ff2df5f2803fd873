// What `mmoe train` says on the console, in one place: each message reads on its own (on a
// terminal the logged fields are not shown), numbers rounded for reading and metrics named.
import type { Task } from '../config/schema.js';
import { formatRate } from '../util/progress.js';
import type { EpochRecord } from './fit.js';

const round = (x: number | null | undefined, digits: number): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');
/** Four significant digits: losses of 0.9078 and 0.01234 both read naturally. */
const sig = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toPrecision(4))) : '-');

/** Per-task metric names for a line: `AUC ctr 0.6473, ctcvr 0.6806; MSE watch 12.35`. */
function metrics(values: Record<string, number | null> | undefined, tasks: readonly Pick<Task, 'name' | 'type'>[]): string {
  if (!values) return '';
  const part = (type: Task['type'], label: string) => {
    const ts = tasks.filter((t) => t.type === type && t.name in values);
    return ts.length ? `${label} ${ts.map((t) => `${t.name} ${type === 'binary' ? round(values[t.name], 4) : sig(values[t.name])}`).join(', ')}` : '';
  };
  return [part('binary', 'AUC'), part('regression', 'MSE')].filter(Boolean).join('; ');
}

/** `epoch 2/4: loss 0.7101, validation loss 0.7044; AUC ctr 0.6616, ctcvr 0.7129; 6.0k rows/s, 6.0 s` */
export function epochMessage(rec: EpochRecord, epochs: number, tasks: readonly Pick<Task, 'name' | 'type'>[]): string {
  const loss = `loss ${sig(rec.trainLoss)}${rec.validLoss !== undefined ? `, validation loss ${sig(rec.validLoss)}` : ''}`;
  const m = metrics(rec.validMetrics, tasks);
  return `epoch ${rec.epoch}/${epochs}: ${loss}${m ? `; validation ${m}` : ''}; ${formatRate(rec.examplesPerSecond)} rows/s, ${rec.seconds.toFixed(1)} s`;
}

/** The epoch's log fields: the validation metric of each task under its own name (auc or mse). */
export function epochFields(rec: EpochRecord, tasks: readonly Pick<Task, 'name' | 'type'>[]): Record<string, unknown> {
  const { trainTaskLosses: _t, validTaskLosses: _v, validMetrics, ...rest } = rec;
  const valid = validMetrics
    ? Object.fromEntries(tasks.filter((t) => t.name in validMetrics).map((t) => [t.name, { [t.type === 'binary' ? 'auc' : 'mse']: validMetrics[t.name] }]))
    : undefined;
  return { ...rest, valid };
}

/** `read 2 files of 20240101, 20240102: 36095 training rows, 3905 validation rows, 0 bad rows (0.4 s)` */
export function readMessage(r: { files: number; dates: string[]; validDate?: string; trainRows: number; validRows: number; badRows: number; seconds: number }): string {
  const days = `${r.dates.join(', ')}${r.validDate ? `; validation day ${r.validDate}` : ''}`;
  return `read ${r.files} file${r.files === 1 ? '' : 's'} of ${days}: ${r.trainRows} training rows, ${r.validRows} validation rows, ${r.badRows} bad rows (${r.seconds.toFixed(1)} s)`;
}

/** `published models/20240102 (epoch 2 of 4; validation AUC ctr 0.6616, ctcvr 0.7129)` */
export function publishedMessage(modelDir: string, bestEpoch: number, epochsRun: number, validMetrics: Record<string, number | null> | undefined, tasks: readonly Pick<Task, 'name' | 'type'>[]): string {
  const m = metrics(validMetrics, tasks);
  return `published ${modelDir} (weights of epoch ${bestEpoch} of ${epochsRun}${m ? `; validation ${m}` : ''})`;
}

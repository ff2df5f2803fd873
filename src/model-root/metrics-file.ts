// The status as Prometheus gauges (prom-client): `--metrics-file <path.prom>` for node_exporter's
// textfile collector, renamed into place so a scrape never reads half a file, and `--pushgateway`
// (pushgateway.ts). Every series carries `model_root`, so two nightly jobs on one host can share
// the collector's directory (one file each).
import { Gauge, Registry } from 'prom-client';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { RunRecord, Status } from './status.js';

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** The gauges of a status, in a registry of their own. */
export function metricsRegistry(status: Status): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ model_root: status.modelRoot });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const last: RunRecord | null = status.lastAttempt;
  const success = status.lastSuccess;
  // 0 until a run succeeds, so `time() - mmoe_last_success_timestamp_seconds > 86400 * 2` fires.
  gauge('mmoe_last_success_timestamp_seconds', 'When the last successful run (exit 0, model promoted) finished, Unix time').set(success ? seconds(success.finishedAt) : 0);
  if (status.latest) {
    const info = gauge('mmoe_latest_info', 'Always 1: the model directories latest and previous point at, as labels', ['latest', 'previous']);
    info.set({ latest: status.latest, previous: status.previous ?? '' }, 1);
  }
  if (last) {
    gauge('mmoe_last_run_timestamp_seconds', 'When the last run finished, Unix time').set(seconds(last.finishedAt));
    gauge('mmoe_last_run_exit_code', 'Exit code of the last run: 0 ok, 1 unexpected, 2 usage or config, 3 data, 4 refused by the gate, 130 interrupted').set(last.exitCode);
    gauge('mmoe_run_duration_seconds', 'Wall time of the last run').set(last.durationSeconds);
    gauge('mmoe_last_run_promoted', '1 when the last run promoted its model to latest, else 0').set(last.outcome === 'promoted' ? 1 : 0);
    if (last.rows) {
      // Per-run values, so gauges named for the last run: a `_total` suffix is for counters.
      gauge('mmoe_last_run_rows_read', 'Rows read by the last run (training days, bad rows included)').set(last.rows.read);
      gauge('mmoe_last_run_bad_rows', 'Rows the last run skipped as bad').set(last.rows.bad);
      gauge('mmoe_last_run_train_rows', 'Rows the last run trained on').set(last.rows.train);
    }
    if (last.retention)
      gauge('mmoe_retention_failures', 'Directories the last run\'s retention could not delete (status.json lastAttempt.retention.failed says which and why)').set(last.retention.failed.length);
    const auc = gauge('mmoe_validation_auc', 'Best-epoch validation AUC of the last run, per binary task', ['task']);
    for (const [task, m] of Object.entries(last.metrics ?? {})) if (typeof m.auc === 'number') auc.set({ task }, m.auc);
    if (last.gate) {
      gauge('mmoe_gate_passed', '1 when the last run passed the promotion gate, else 0').set(last.gate.passed ? 1 : 0);
      const drop = gauge('mmoe_gate_auc_drop', 'AUC of latest minus AUC of the new model on the gate rows, per binary task (positive: worse)', ['task']);
      for (const c of last.gate.checks as { task: string; drop: number | null }[]) if (c.drop !== null) drop.set({ task: c.task }, c.drop);
    }
  }
  return registry;
}

/** The Prometheus text exposition of a status. */
export async function renderMetrics(status: Status): Promise<string> {
  return metricsRegistry(status).metrics();
}

export async function writeMetricsFile(path: string, status: Status): Promise<void> {
  writeFileAtomic(path, await renderMetrics(status));
}

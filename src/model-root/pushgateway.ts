// `--pushgateway <url>`: the status gauges pushed to a Prometheus Pushgateway (prom-client's client),
// for jobs that have no node of their own to leave a textfile on (a Kubernetes CronJob's pod lands
// on any node). Job `mmoe`, grouped by `--metrics-instance` when given, else by the model root. A
// PUT replaces the whole group, so a gauge the last run did not set (the gate's) does not linger.
import type { IncomingMessage } from 'node:http';
import { Pushgateway } from 'prom-client';
import { metricsRegistry } from './metrics-file.js';
import type { Status } from './status.js';

export const PUSH_JOB = 'mmoe';
const TIMEOUT_MS = 10_000;

export interface PushTarget {
  url: string;
  /** The `instance` grouping label; else the group is the model root. */
  instance?: string;
}

/**
 * The grouping key: `instance`, or the model root, which holds slashes that the Pushgateway reads
 * as path separators even when escaped, so it goes base64url-encoded (`model_root@base64`).
 */
export function grouping(target: PushTarget, modelRoot: string): Record<string, string> {
  return target.instance !== undefined ? { instance: target.instance } : { 'model_root@base64': Buffer.from(modelRoot).toString('base64url') };
}

/** Pushes the status's gauges; throws saying what failed (the caller decides that this is only a warning). */
export async function pushMetrics(target: PushTarget, status: Status): Promise<void> {
  const gateway = new Pushgateway(target.url, { timeout: TIMEOUT_MS }, metricsRegistry(status));
  const { resp } = await gateway.push({ jobName: PUSH_JOB, groupings: grouping(target, status.modelRoot) });
  // prom-client resolves on any status below 400 (typed unknown: it is node's IncomingMessage); a redirect is no push.
  const code = (resp as IncomingMessage | undefined)?.statusCode;
  if (code === undefined || code >= 300) throw new Error(`the Pushgateway answered HTTP ${code}`);
}

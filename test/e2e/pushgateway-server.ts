// A real Prometheus Pushgateway for tests (Debian's prometheus-pushgateway), on a free loopback
// port, in memory (no persistence file), stopped by its PID.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** The Pushgateway binary on PATH (Debian names it prometheus-pushgateway), if any. */
export const PUSHGATEWAY = ['prometheus-pushgateway', 'pushgateway'].find((bin) => spawnSync(bin, ['--version']).status === 0);

export interface Gateway {
  url: string;
  /** GET /metrics: what Prometheus would scrape. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function ready(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Pushgateway exited (${child.exitCode}): ${log()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Pushgateway did not get ready in 15 s: ${log()}`);
}

export async function startPushgateway(): Promise<Gateway> {
  if (!PUSHGATEWAY) throw new Error('no Pushgateway binary: apt-get install -y prometheus-pushgateway');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(); // another process may take it before the gateway does: try again
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d) => (log += d));
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    try {
      await ready(url, child, () => log);
    } catch (err) {
      lastError = err;
      await stop();
      continue;
    }
    return { url, scrape: async () => (await fetch(`${url}/metrics`)).text(), stop };
  }
  throw lastError;
}

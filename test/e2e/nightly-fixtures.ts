// Nights of the nightly job through the CLI, on generated CTR days: a fixture per test file (its
// own temporary directory, data and tiny config), and one night = one `mmoe train` of one day.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CTR_COLUMNS } from '../../src/data/ctr-world.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { main } from '../../src/cli/main.js';
import { TINY_CONFIG } from '../eval/fixtures.js';
import { fakeEnv } from '../cli/fake-env.js';
import { childEnv } from '../test-backend.js';

export interface Night {
  code: number;
  out: string;
  err: string;
  /** The run's mmoe.log. */
  log: string;
}

export interface Nights {
  root: string;
  data: string;
  config: string;
  /**
   * One night: trains `date` alone (`untrained` leaves the weights about where they started), logs
   * to `<models>/../logs`; `log` is the run's mmoe.log.
   */
  night(models: string, date: string, opts?: { untrained?: boolean }, ...extra: string[]): Promise<Night>;
  /** The same night as a real `node bin/mmoe.js` process: its exit code is what cron or Kubernetes sees. */
  nightProcess(models: string, date: string, opts?: { untrained?: boolean }, ...extra: string[]): Promise<Night>;
  cleanup(): void;
}

/**
 * Four generated days (20260101-20260104, 6000 rows each) and 20260201, four rows on which nobody
 * converts (the ctcvr AUC is undefined there). A 30% hold-out gives the gate about 1800 rows and
 * 125 conversions, so the AUCs it compares are not noise.
 */
export async function nights(name: string): Promise<Nights> {
  const root = mkdtempSync(join(tmpdir(), `mmoe-${name}-`));
  const data = join(root, 'data');
  const config = join(root, 'tiny.json');
  await generateCtr({ out: data, startDate: '20260101', days: 5, rowsPerDay: 6000, seed: 11 });
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 3, validation: { validRatio: 0.3 } } }));
  mkdirSync(join(data, '20260201'));
  const row = (click: number, hour: number) => [click, 0, hour, 'ad1', 'site1', 'sd', 'sc', 'app1', 'ad', 'ac', 'dev', 'ip', '1', '0'].join(',');
  writeFileSync(join(data, '20260201', 'part-0.csv'), `${CTR_COLUMNS.join(',')}\n${[row(1, 3), row(0, 4), row(1, 20), row(0, 21)].join('\n')}\n`);
  /** Runs `go` with the arguments of one night; `log` is the mmoe.log of the run directory it made. */
  const aNight = async (models: string, date: string, opts: { untrained?: boolean }, extra: string[], go: (args: string[]) => Promise<Omit<Night, 'log'>>): Promise<Night> => {
    const weak = opts.untrained ? ['--learning-rate', '1e-12', '--epochs', '1'] : [];
    const logs = join(models, '..', 'logs');
    const runs = () => (existsSync(logs) ? readdirSync(logs) : []);
    const before = new Set(runs());
    const r = await go(['train', '--train-data-dir', data, '--cur-date', date, '--days', '1', '--config', config, '--model-output-dir', models, '--log-dir', logs, '--quiet', ...weak, ...extra]);
    const run = runs().find((d) => !before.has(d) && existsSync(join(logs, d, 'mmoe.log')));
    return { ...r, log: run ? readFileSync(join(logs, run, 'mmoe.log'), 'utf8') : '' };
  };
  return {
    root,
    data,
    config,
    night: (models, date, opts = {}, ...extra) =>
      aNight(models, date, opts, extra, async (args) => {
        const env = fakeEnv({ logFiles: true });
        const code = await main(['node', 'mmoe', ...args], env);
        return { code, out: env.out(), err: env.err() };
      }),
    nightProcess: (models, date, opts = {}, ...extra) =>
      aNight(models, date, opts, extra, (args) => {
        const child = spawn(process.execPath, ['bin/mmoe.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        return new Promise((resolve, reject) => {
          child.on('error', reject);
          child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), out, err }));
        });
      }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export const readMetadata = (dir: string) => JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));

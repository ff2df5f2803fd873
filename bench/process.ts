// Runs a benchmark command in its own process and measures it (wall and CPU seconds, peak RSS,
// through GNU time), and describes the machine a benchmark ran on.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Timed {
  /** Wall seconds of the whole command. */
  wall: number;
  /** User + system CPU seconds of the command (all its threads). */
  cpu: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs `cmd argv` to completion; throws with the end of its stderr when it fails. */
export function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const line = r.stderr.split('\n').reverse().find((l) => l.startsWith('TIME '));
  if (r.status !== 0 || !line) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const [wall, user, sys, rss] = line.split(' ').slice(1).map(Number);
  return { wall: wall!, cpu: user! + sys!, peakRssMb: Math.round(rss! / 1024), stdout: r.stdout };
}

/** The machine, software and load, one line each (what a figure needs beside it). */
export function machine(): string[] {
  const c = cpus();
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const torch = (() => {
    try {
      return execFileSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
    } catch {
      return 'not installed';
    }
  })();
  return [
    `cpu: ${c[0]?.model ?? 'unknown'}, ${c.length} cores; memory ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `software: node ${process.version}, PyTorch ${torch} (/usr/bin/python3), mmoe commit ${commit}`,
    `load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  ];
}

// Opens an HTML file in headless Chromium (Debian's `chromium` package) and returns the DOM after
// scripts ran plus every console message, so tests can check a report renders without errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The chromium binary; a missing one fails the test (never skips it) and says how to install it. */
export function chromiumBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error('chromium is not installed, so the HTML report cannot be checked: run `apt-get install -y chromium` (.ci/run installs it)');
}

export interface Rendered {
  /** The serialized DOM after the page's scripts ran. */
  dom: string;
  /** Console messages and uncaught errors the page produced. */
  console: string[];
}

export function renderInChromium(file: string): Rendered {
  const profile = mkdtempSync(join(tmpdir(), 'mmoe-chromium-'));
  try {
    const r = spawnSync(
      chromiumBinary(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        '--dump-dom',
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
    );
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-2000)}`);
    // Page console output is logged as "...:INFO:CONSOLE(...)] "message", source: ..."; uncaught
    // exceptions arrive the same way with an "Uncaught" message.
    const consoleLines = r.stderr.split('\n').filter((l) => /:CONSOLE[:(\]]|Uncaught/.test(l));
    return { dom: r.stdout, console: consoleLines };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

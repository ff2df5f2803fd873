// Headless Chromium for the HTML report tests. By default the browser inside the npm dev
// dependency @sparticuz/chromium (driven by puppeteer-core), so `npm test` needs nothing but
// `npm ci`. It is unpacked once per package version into a private directory of its own under the
// system temp dir (never the shared temp dir itself, where the files of another version make it
// hang), atomically: a half-unpacked browser is never used. MMOE_TEST_CHROMIUM=<binary> drives
// another Chromium instead (e.g. Debian's: MMOE_TEST_CHROMIUM=/usr/bin/chromium).
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

interface Installed {
  executablePath: string;
  args: string[];
  env: Record<string, string>;
}

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (let dir = dirname(require.resolve('@sparticuz/chromium')); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    const pkg = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }) : {};
    if (pkg.name === '@sparticuz/chromium' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the version of @sparticuz/chromium');
}

/** The packaged browser, unpacked under tmpdir()/mmoe-chromium-<version>-<uid>/ (once). */
async function packaged(): Promise<Installed> {
  const dir = join(tmpdir(), `mmoe-chromium-${packageVersion()}-${process.getuid?.() ?? 0}`);
  if (!existsSync(join(dir, '.complete'))) {
    const staging = mkdtempSync(`${dir}.tmp-`);
    const previous = process.env.TMPDIR;
    // @sparticuz/chromium unpacks into os.tmpdir(): point it at the staging directory meanwhile.
    process.env.TMPDIR = staging;
    try {
      await chromium.executablePath();
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    // Its fonts.conf names /tmp/fonts; ours names the fonts it shipped, so text has metrics.
    writeFileSync(
      join(staging, 'mmoe-fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(dir, 'fonts', 'fonts')}</dir><cachedir>${join(dir, 'fonts-cache')}</cachedir></fontconfig>\n`,
    );
    writeFileSync(join(staging, '.complete'), '');
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test process finished first
    }
  }
  return {
    executablePath: join(dir, 'chromium'),
    args: chromium.args,
    env: { FONTCONFIG_FILE: join(dir, 'mmoe-fonts.conf') },
  };
}

function chosen(): Promise<Installed> | Installed {
  const own = process.env.MMOE_TEST_CHROMIUM;
  if (!own) return packaged();
  if (!existsSync(own)) throw new Error(`MMOE_TEST_CHROMIUM=${own}: no such file (unset it to use the Chromium of @sparticuz/chromium)`);
  return { executablePath: own, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], env: {} };
}

/** Runs `fn` with a fresh headless browser, closed afterwards. */
export async function withBrowser<T>(fn: (b: Browser) => Promise<T>): Promise<T> {
  const c = await chosen();
  const browser = await puppeteer.launch({ executablePath: c.executablePath, args: c.args, headless: 'shell', env: { ...process.env, ...c.env }, timeout: 60_000 });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RenderedChart {
  /** The chart's accessible name (aria-label). */
  label: string;
  /** Every <text> of the chart with what it says and where it is drawn. */
  texts: { text: string; box: Box }[];
  box: Box;
}

export interface Rendered {
  /** The serialized DOM after the page's scripts ran. */
  dom: string;
  /** Console messages, uncaught errors and CSP violations the page produced. */
  console: string[];
  /** Every URL the page asked for besides its own file. */
  requests: string[];
  charts: RenderedChart[];
  /** A PNG of the whole page. */
  screenshot: Uint8Array;
}

/** Opens an HTML file (screen or print media) and returns what a reader would see. */
export function renderInChromium(file: string, options: { media?: 'screen' | 'print'; width?: number } = {}): Promise<Rendered> {
  return withBrowser(async (browser) => {
    const page = await browser.newPage();
    await page.setViewport({ width: options.width ?? 1200, height: 900 });
    await page.emulateMediaType(options.media ?? 'screen');
    const consoleLines: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`uncaught: ${(e as Error).message}`));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const box = (e: { getBoundingClientRect(): Box }) => {
          const r = e.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        };
        return { label: svg.getAttribute('aria-label') ?? '', box: box(svg), texts: [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent ?? '', box: box(t) })) };
      }),
    );
    const screenshot = await page.screenshot({ fullPage: true, type: 'png' });
    return { dom: await page.content(), console: consoleLines, requests, charts, screenshot };
  });
}

/** Pairs of texts of one chart whose boxes overlap by more than `slack` pixels each way. */
export function overlappingTexts(chart: RenderedChart, slack = 0.5): [string, string][] {
  const out: [string, string][] = [];
  const t = chart.texts.filter((x) => x.box.width > 0 && x.box.height > 0);
  for (let i = 0; i < t.length; i++)
    for (let j = i + 1; j < t.length; j++) {
      const a = t[i]!.box;
      const b = t[j]!.box;
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > slack && h > slack) out.push([t[i]!.text, t[j]!.text]);
    }
  return out;
}

// A one-line terminal progress bar for training: rows/s, loss, ETA, epoch. It draws only when the
// stream is a terminal (logs and CI output stay clean) and at most every minIntervalMs.

/** The part of a tty.WriteStream the bar uses; tests pass a fake. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** Minimum time between redraws. Default 100 ms (at most 10 per second). */
  minIntervalMs?: number;
  /** Clock in milliseconds. Default performance.now. */
  now?: () => number;
  /** Unit counted by `done`. Default 'rows'. */
  unit?: string;
}

/** Extra fields shown after the counters; numbers are formatted compactly. */
export interface ProgressFields {
  epoch?: number;
  epochs?: number;
  loss?: number;
  [name: string]: number | string | undefined;
}

const CLEAR_LINE = '\r\x1b[2K';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

function formatField(v: number | string): string {
  if (typeof v === 'string') return v;
  // Four significant digits: a loss of 0.34123 and a learning rate of 0.001 both read naturally.
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

export class ProgressBar {
  private readonly enabled: boolean;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly unit: string;
  private total = 0;
  private startedAt = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private done = 0;
  private fields: ProgressFields = {};
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    options: ProgressOptions = {},
  ) {
    this.enabled = stream.isTTY === true;
    this.minIntervalMs = options.minIntervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
    this.unit = options.unit ?? 'rows';
  }

  /** Starts counting towards `total` (0 when unknown: no bar, no ETA). */
  start(total: number, fields: ProgressFields = {}): void {
    this.total = total;
    this.done = 0;
    this.fields = { ...fields };
    this.startedAt = this.now();
    this.lastDraw = Number.NEGATIVE_INFINITY;
    this.draw();
  }

  /**
   * Sets progress to `done` units; fields are merged into the ones shown. Throttled, except the
   * frame that reaches a known total (an epoch shorter than the interval still shows its 100%).
   */
  update(done: number, fields: ProgressFields = {}): void {
    this.done = done;
    Object.assign(this.fields, fields);
    const last = this.total > 0 && done >= this.total && this.lastDraw !== Number.POSITIVE_INFINITY;
    if (last || this.now() - this.lastDraw >= this.minIntervalMs) this.draw();
  }

  /** Erases the bar (e.g. before a log line); the next update draws it again. */
  clear(): void {
    if (this.enabled && this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }

  /**
   * Erases the bar for good (the run ended, stopped early, failed or was interrupted): what
   * happened is in the log lines, and a last frame with an ETA would say the run goes on.
   */
  stop(): void {
    this.clear();
    this.lastDraw = Number.POSITIVE_INFINITY; // no update draws again until the next start()
  }

  /** The line as it would be drawn now (exposed for tests). */
  render(width = this.stream.columns || 80): string {
    const elapsed = (this.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : Number.NaN;
    const { epoch, epochs, ...rest } = this.fields;
    const parts: string[] = [];
    if (epoch !== undefined) parts.push(epochs !== undefined ? `epoch ${epoch}/${epochs}` : `epoch ${epoch}`);
    const counts = this.total > 0 ? `${this.done}/${this.total} ${this.unit}` : `${this.done} ${this.unit}`;
    const tail = [counts, `${formatRate(rate)} ${this.unit}/s`];
    for (const [name, v] of Object.entries(rest)) if (v !== undefined) tail.push(`${name} ${formatField(v)}`);
    if (this.total > 0) tail.push(`ETA ${formatDuration((this.total - this.done) / rate)}`);
    const text = tail.join('  ');
    if (this.total > 0) {
      const fraction = Math.min(1, Math.max(0, this.done / this.total));
      const pct = `${(100 * fraction).toFixed(0).padStart(3)}%`;
      const fixed = [...parts, pct, text].join(' ').length + 3;
      const barWidth = Math.min(30, width - 1 - fixed);
      if (barWidth >= 5) {
        const full = Math.round(fraction * barWidth);
        parts.push(`[${'='.repeat(full)}${' '.repeat(barWidth - full)}]`);
      }
      parts.push(pct);
    }
    parts.push(text);
    const line = parts.join(' ');
    return line.length > width - 1 ? line.slice(0, Math.max(0, width - 1)) : line;
  }

  private draw(): void {
    if (!this.enabled) return;
    this.lastDraw = this.now();
    this.stream.write(CLEAR_LINE + this.render());
    this.drawn = true;
  }
}

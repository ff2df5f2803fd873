import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatRate, ProgressBar } from '../../src/util/progress.js';

function fakeTerminal(isTTY = true) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 100, write: (s: string) => writes.push(s) } };
}

test('draws rows/s, loss, ETA and epoch on a terminal', () => {
  let clock = 0;
  const { writes, stream } = fakeTerminal();
  const bar = new ProgressBar(stream, { now: () => clock });
  bar.start(1000, { epoch: 2, epochs: 10 });
  clock = 2000;
  bar.update(500, { loss: 0.69314, lr: 0.001 });
  const line = writes.at(-1)!;
  assert.match(line, /^\r\x1b\[2K/);
  assert.match(line, /epoch 2\/10 \[=+ +\]  50% 500\/1000 rows  250 rows\/s  loss 0\.6931  lr 0\.001  ETA 00:02$/);
  assert.ok(line.length - 5 < 100);
  bar.stop();
  assert.equal(writes.at(-1), '\r\x1b[2K', 'stop() erases the bar, leaving no frame with an ETA');
  const n = writes.length;
  clock = 9000;
  bar.update(900);
  assert.equal(writes.length, n, 'nothing is drawn after stop() until the next start()');
});

test('throttles redraws to the minimum interval', () => {
  let clock = 0;
  const { writes, stream } = fakeTerminal();
  const bar = new ProgressBar(stream, { now: () => clock, minIntervalMs: 100 });
  bar.start(0);
  const afterStart = writes.length;
  for (let i = 1; i <= 50; i++) {
    clock += 10;
    bar.update(i * 10);
  }
  // 500 ms of updates every 10 ms -> 5 redraws at most.
  assert.equal(writes.length - afterStart, 5);
  assert.match(writes.at(-1)!, /500 rows  1\.0k rows\/s$/);
});

test('the frame that reaches the total is drawn whatever the interval (a short epoch shows its 100%), but not after stop()', () => {
  let clock = 0;
  const { writes, stream } = fakeTerminal();
  const bar = new ProgressBar(stream, { now: () => clock, minIntervalMs: 100 });
  bar.start(300);
  clock += 10;
  bar.update(200);
  const n = writes.length;
  clock += 10;
  bar.update(300);
  assert.equal(writes.length, n + 1);
  assert.match(writes.at(-1)!, / 100% 300\/300 rows /);
  bar.start(300);
  bar.stop();
  const stopped = writes.length;
  bar.update(300);
  assert.equal(writes.length, stopped);
});

test('is a no-op when the stream is not a terminal', () => {
  const { writes, stream } = fakeTerminal(false);
  const bar = new ProgressBar(stream);
  bar.start(10);
  bar.update(5, { loss: 1 });
  bar.clear();
  bar.stop();
  assert.deepEqual(writes, []);
});

test('a narrow terminal drops the bar and truncates the line', () => {
  let clock = 0;
  const { stream } = fakeTerminal();
  const bar = new ProgressBar({ ...stream, columns: 40 }, { now: () => clock });
  bar.start(100);
  clock = 1000;
  bar.update(10, { loss: 0.5 });
  const line = bar.render();
  assert.ok(line.length <= 39);
  assert.ok(!line.includes('['));
});

test('durations and rates format compactly', () => {
  assert.equal(formatDuration(65), '01:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Infinity), '--:--');
  assert.equal(formatRate(250_000), '250.0k');
  assert.equal(formatRate(2_500_000), '2.50M');
  assert.equal(formatRate(12), '12');
});

test('a terminal that reports no width (columns 0, as under script or some CI ptys) still gets a line', () => {
  const writes: string[] = [];
  const bar = new ProgressBar({ isTTY: true, columns: 0, write: (s: string) => writes.push(s) }, { now: () => 0 });
  bar.start(100, { epochs: 2 });
  assert.match(bar.render(), /0\/100 rows/);
});

// The training progress bar as a terminal shows it: one bar per epoch (its rows, not the run's),
// and nothing left on screen once the run ends, early stopping included.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { ctrDays, TINY_CONFIG } from '../eval/fixtures.js';
import { fakeEnv } from './fake-env.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-progress-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the bar counts each epoch from 0 to 100% and is erased when early stopping ends the run', async () => {
  await ctrDays(join(root, 'data'), 2000);
  const config = join(root, 'c.json');
  // A learning rate this high overshoots after the first epoch, so patience 0 stops the run early.
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 8, batchSize: 64, optimizer: { learningRate: 0.2 }, earlyStopping: { patience: 0 } } }));
  const env = fakeEnv();
  Object.assign(env.stderr, { isTTY: true, columns: 120 });
  const args = ['train', '--train-data-dir', join(root, 'data'), '--cur-date', '20260102', '--config', config];
  const code = await main(['node', 'mmoe', ...args, '--model-output-dir', join(root, 'models'), '--log-dir', join(root, 'logs')], env);
  assert.equal(code, 0, env.err());
  const meta = JSON.parse(readFileSync(join(root, 'models', '20260102', 'metadata.json'), 'utf8'));
  assert.ok(meta.epochs.stoppedEarly, `stopped early (ran ${meta.epochs.run} of 8 epochs)`);
  const frames = env.err().split('\r\x1b[2K').filter((f) => f !== '');
  const trainRows = meta.rows.train;
  // The first epoch trains while a thread reads the days (no statistics to compute here): its
  // rows are not known yet, so its bar counts rows without a total.
  assert.equal(meta.timings.readOverlapped, true);
  for (let e = 1; e <= meta.epochs.run; e++) {
    const mine = frames.filter((f) => f.startsWith(`epoch ${e}/8 `));
    if (e === 1) {
      assert.match(mine[0]!, /^epoch 1\/8 0 rows /, 'the first epoch starts at 0 rows, its total unknown');
      continue;
    }
    // An epoch on the fast path can be shorter than the bar's redraw interval: its first frame
    // and the one that reaches its total are drawn whatever the interval.
    assert.ok(mine.length >= 2, `epoch ${e} drawn`);
    assert.match(mine[0]!, new RegExp(` 0% 0/${trainRows} rows`), 'each epoch starts at 0%');
    assert.match(mine.at(-1)!, new RegExp(` 100% ${trainRows}/${trainRows} rows`), 'and counts its own rows to 100%');
  }
  assert.ok(frames.every((f) => !/epoch \d+\/8 .*\b(1\d\d|[2-9]\d\d)%/.test(f) || / 100% /.test(f)), 'no frame above 100%');
  assert.ok(env.err().endsWith('\r\x1b[2K'), 'the last frame is erased, not left with an ETA');
});

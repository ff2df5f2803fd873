// `mmoe eval` end to end on a tiny model trained once: exact AUC with ties and single-class days,
// the baseline gate's exit codes, the JSON schema, markdown, group AUC and the HTML report.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { main } from '../../src/cli/main.js';
import { CTR_COLUMNS } from '../../src/data/ctr-world.js';
import { overlappingTexts, renderInChromium } from '../eval/chromium.js';
import { ctrDays, mmoe, pairwiseAuc, saveUntrained, TINY_CONFIG, trainTiny } from '../eval/fixtures.js';
import { coresUnderQuota } from '../util/fake-cgroup.js';
import { fakeEnv } from './fake-env.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-eval-'));
const data = join(root, 'data');
let model = '';
let untrained = '';

/** One day partition of CTR-shaped rows: `rows` are [click, conversion, feature key]. */
function writeDay(dir: string, date: string, rows: [number, number, 'A' | 'B'][]): void {
  // hour, adid, site_id, site_domain, site_category, app_id, app_domain, app_category, device_id, device_ip, device_type, device_conn_type
  const features = { A: ['7', 'ad1', 'site1', 'sd', 'sc', 'app1', 'ad', 'ac', 'dev', 'ip', '1', '0'], B: ['20', 'ad2', 'site2', 'sd', 'sc', 'app2', 'ad', 'ac', 'dev', 'ip', '2', '0'] };
  mkdirSync(join(dir, date), { recursive: true });
  writeFileSync(join(dir, date, 'part-00000.csv'), `${CTR_COLUMNS.join(',')}\n${rows.map(([c, v, k]) => [c, v, ...features[k]].join(',')).join('\n')}\n`);
}

after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await ctrDays(data);
  model = await trainTiny(root, data);
  untrained = join(root, 'untrained');
  await saveUntrained(untrained, TINY_CONFIG);
});

async function evalJson(...args: string[]) {
  const r = await mmoe('eval', '--model', model, '--data-dir', data, '--format', 'json', ...args);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** Scores of the model on a day, through `mmoe predict`, with the click labels kept. */
async function predictDay(dir: string, date: string): Promise<{ scores: number[]; labels: number[] }> {
  const out = join(root, `scores-${date}.csv`);
  const r = await mmoe('predict', '--model', model, '--data-dir', dir, '--dates', date, '--output', out, '--keep', 'click');
  assert.equal(r.code, 0, r.err);
  const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return { labels: rows.map((r) => Number(r[0])), scores: rows.map((r) => Number(r[1])) };
}

test('AUC equals the pairwise (Mann-Whitney) AUC of the same scores to 1e-9', async () => {
  const doc = await evalJson('--dates', '20260102');
  const { scores, labels } = await predictDay(data, '20260102');
  assert.equal(scores.length, 3000);
  const auc = doc.tasks.find((t: { name: string }) => t.name === 'ctr').binary.auc.value;
  assert.ok(Math.abs(auc - pairwiseAuc(scores, labels)) < 1e-9, `${auc} vs ${pairwiseAuc(scores, labels)}`);
  assert.ok(auc > 0.55, `the trained model ranks better than chance: ${auc}`);
});

test('tied scores count one half: two feature rows, known AUC 0.75 (or 0.25); one class is undefined', async () => {
  const dir = join(root, 'ties');
  // Row A: 3 clicks, 1 non-click; row B: 1 click, 3 non-clicks. No conversion at all.
  writeDay(dir, '20260201', [[1, 0, 'A'], [1, 0, 'A'], [1, 0, 'A'], [0, 0, 'A'], [1, 0, 'B'], [0, 0, 'B'], [0, 0, 'B'], [0, 0, 'B']]);
  const { scores } = await predictDay(dir, '20260201');
  assert.equal(new Set(scores.slice(0, 4)).size, 1, 'identical rows score identically');
  const expected = scores[0]! > scores[4]! ? 0.75 : scores[0]! < scores[4]! ? 0.25 : 0.5;
  const r = await mmoe('eval', '--model', model, '--data-dir', dir, '--dates', '20260201', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const [ctr, ctcvr] = JSON.parse(r.out).tasks;
  assert.ok(Math.abs(ctr.binary.auc.value - expected) < 1e-9, `${ctr.binary.auc.value} vs ${expected}`);
  assert.equal(ctcvr.binary.auc.value, null);
  assert.match(ctcvr.binary.auc.reason, /only one class/);
  const table = await mmoe('eval', '--model', model, '--data-dir', dir, '--dates', '20260201');
  assert.equal(table.code, 0, table.err);
  const line = table.out.split('\n').find((l) => l.startsWith('ctcvr'))!;
  assert.match(line, /^ctcvr +8 +0 +0\.00% +[\d.]+ +n\/a +- +n\/a /, 'AUC n/a, no interval, AP n/a');
  assert.match(table.out, /^n\/a: ctcvr AUC: only one class$/m);
  assert.doesNotMatch(line, /0\.5000/, 'no made-up 0.5 for a single-class AUC');
});

test('JSON output follows the documented schema', async () => {
  const doc = await evalJson('--dates', '20260101,20260102', '--threshold', '0.3');
  assert.equal(doc.schemaVersion, 2);
  for (const k of ['generatedAt', 'mmoeVersion', 'model', 'baseline', 'data', 'options', 'tasks', 'gates', 'gateWarnings', 'relatedness', 'qualityGate', 'timings']) assert.ok(k in doc, k);
  assert.equal(doc.model.modelType, 'mmoe');
  assert.equal(doc.model.curDate, '20260102');
  assert.deepEqual(doc.data.dates, ['20260101', '20260102']);
  assert.equal(doc.data.rowsEvaluated, 6000);
  assert.deepEqual(doc.options, { threshold: 0.3, groupBy: null, maxAucDrop: null });
  const ctr = doc.tasks[0];
  assert.equal(ctr.name, 'ctr');
  assert.equal(ctr.label, 'click');
  for (const k of ['count', 'positives', 'auc', 'aucInterval', 'averagePrecision', 'logLoss', 'calibration', 'threshold', 'thresholdRule', 'accuracy', 'precision', 'recall', 'f1', 'confusion', 'roc', 'pr', 'sweep', 'calibrationBins', 'histogram'])
    assert.ok(k in ctr.binary, k);
  assert.equal(ctr.binary.threshold, 0.3);
  assert.equal(ctr.binary.thresholdRule, 'given');
  const c = ctr.binary.confusion;
  assert.equal(c.tp + c.fp + c.fn + c.tn, 6000);
  assert.equal(c.tp + c.fn, ctr.binary.positives);
  assert.ok(ctr.binary.aucInterval.lower < ctr.binary.auc.value && ctr.binary.auc.value < ctr.binary.aucInterval.upper);
  assert.deepEqual(ctr.binary.sweep.map((p: { predictedShare: number }) => Math.round(p.predictedShare * 100)), [1, 2, 5, 10, 20, 30, 50]);
  assert.equal(doc.model.training.epochs.run, 2);
  assert.equal(doc.model.training.history.length, 2);
  assert.deepEqual(doc.model.training.dates, ['20260101', '20260102']);
  assert.equal(typeof ctr.binary.logLoss.value, 'number');
  assert.deepEqual(Object.keys(doc.gates).sort(), ['ctcvr', 'ctr']);
  assert.equal(doc.gates.ctr.meanWeight.length, 3);
  assert.ok(Math.abs(doc.gates.ctr.meanWeight.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
  assert.deepEqual([doc.relatedness.labels[0].a, doc.relatedness.labels[0].b], ['ctr', 'ctcvr']);
  assert.ok(doc.relatedness.labels[0].pearson > 0.2, 'conversions follow clicks');
});

test("--threshold auto (the default): each task gets the F1-maximising threshold of the model's validation rows", async () => {
  const doc = await evalJson('--dates', '20260102');
  assert.equal(doc.options.threshold, 'auto');
  const meta = JSON.parse(readFileSync(join(model, 'metadata.json'), 'utf8'));
  for (const t of doc.tasks) {
    assert.equal(t.binary.thresholdRule, 'validation-f1');
    assert.equal(t.binary.threshold, meta.bestValidation[t.name].threshold);
    assert.ok(t.binary.threshold > 0 && t.binary.threshold < 0.5, `${t.name}: ${t.binary.threshold}`);
    assert.ok(t.binary.precision.value > 0 && t.binary.recall.value > 0, 'meaningful precision and recall at a low base rate');
  }
  const table = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102');
  assert.match(table.out, /^threshold per task: ctr 0\.\d{4}, ctcvr 0\.\d{4}; the threshold that maximised F1 on the model's validation rows$/m);
  // A model without recorded thresholds (e.g. trained before they were) falls back to 0.5 and says so.
  const untrainedDoc = JSON.parse((await mmoe('eval', '--model', untrained, '--data-dir', data, '--dates', '20260102', '--format', 'json')).out);
  assert.deepEqual(untrainedDoc.tasks.map((t: { binary: { threshold: number; thresholdRule: string } }) => [t.binary.threshold, t.binary.thresholdRule]), [[0.5, 'default'], [0.5, 'default']]);
});

test('markdown output: headed sections and pipe tables', async () => {
  const r = await mmoe('eval', '--model', model, '--data-dir', data, '--cur-date', '20260102', '--format', 'markdown');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^## mmoe eval\n/);
  assert.match(r.out, /### Binary tasks\n\n\| task \| rows \| positives \|/);
  assert.match(r.out, /\n\| ctr \| 3000 \| \d+ \|/);
  assert.match(r.out, /### Gates \(mean weight per expert\)/);
  assert.match(r.out, /### Task relatedness/);
});

test('group AUC over a column; a missing group column exits 3 naming it', async () => {
  const doc = await evalJson('--dates', '20260102', '--group-by', 'site_id');
  const g = doc.tasks[0].binary.groupAuc;
  assert.ok(g.groupsUsed > 0 && g.value.value > 0 && g.value.value < 1, JSON.stringify(g));
  assert.equal(doc.options.groupBy, 'site_id');
  const r = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--group-by', 'user');
  assert.equal(r.code, 3);
  assert.match(r.err, /part-00000\.csv:1, column 'user': --group-by column 'user' is not in the header/);
});

test('baseline gate: a worse model exits 4 naming the task and both AUCs; the same model passes', async () => {
  const worse = await mmoe('eval', '--model', untrained, '--baseline', model, '--max-auc-drop', '0.005', '--data-dir', data, '--dates', '20260102');
  assert.equal(worse.code, 4, worse.err);
  assert.match(worse.err, /quality gate failed \(--max-auc-drop 0\.005\)/);
  assert.match(worse.err, /task 'ctr': AUC 0\.\d{6} \(.*untrained\) vs 0\.\d{6} \(baseline .*latest\): AUC dropped by 0\.\d+, more than 0\.005/);
  assert.match(worse.out, /Quality gate \(--max-auc-drop 0\.005\): FAILED/, 'the report is still printed');

  const same = await mmoe('eval', '--model', model, '--baseline', model, '--max-auc-drop', '0.005', '--data-dir', data, '--dates', '20260102', '--format', 'json');
  assert.equal(same.code, 0, same.err);
  const doc = JSON.parse(same.out);
  assert.equal(doc.qualityGate.passed, true);
  assert.deepEqual(doc.qualityGate.checks.map((c: { task: string; drop: number }) => [c.task, c.drop]), [['ctr', 0], ['ctcvr', 0]]);
  assert.equal(doc.tasks[0].delta.auc, 0);
  assert.equal(doc.baseline.sameSpec, true);
});

test('the gate fails, not passes, when an AUC is undefined on single-class data', async () => {
  const dir = join(root, 'single');
  writeDay(dir, '20260301', [[0, 0, 'A'], [0, 0, 'B'], [0, 0, 'A']]);
  const r = await mmoe('eval', '--model', model, '--baseline', model, '--max-auc-drop', '0.5', '--data-dir', dir, '--dates', '20260301');
  assert.equal(r.code, 4, r.err);
  assert.match(r.err, /task 'ctr': AUC undefined .* vs undefined .*: the model's AUC is undefined \(AUC is undefined: no positive rows \(only one class present\)\), so it cannot be compared/);
});

test('a baseline with its own feature spec is scored on the same rows (each row encoded once per spec)', async () => {
  const other = join(root, 'other-spec');
  const cfg = { ...TINY_CONFIG, features: { ...TINY_CONFIG.features, categorical: TINY_CONFIG.features.categorical.map((c) => ({ ...c, buckets: 300 })) } };
  await saveUntrained(other, cfg);
  const doc = await evalJson('--dates', '20260102', '--baseline', other);
  assert.equal(doc.baseline.sameSpec, false);
  assert.equal(doc.data.rowsEvaluated, 3000);
  assert.equal(doc.data.baselineBadRows.total, 0);
  assert.equal(typeof doc.tasks[0].delta.auc, 'number');
  assert.ok(doc.tasks[0].baseline.binary.auc.value < doc.tasks[0].binary.auc.value, 'the untrained baseline ranks worse');
});

test('usage errors exit 2: --max-auc-drop without --baseline, both or neither of --dates and --cur-date', async () => {
  const base = ['eval', '--model', model, '--data-dir', data];
  const noBase = await mmoe(...base, '--dates', '20260102', '--max-auc-drop', '0.01');
  assert.equal(noBase.code, 2);
  assert.match(noBase.err, /--max-auc-drop compares against a baseline: add --baseline/);
  assert.equal((await mmoe(...base)).code, 2);
  assert.equal((await mmoe(...base, '--dates', '20260102', '--cur-date', '20260102')).code, 2);
  const twice = await mmoe(...base, '--dates', '20260102,20260102');
  assert.equal(twice.code, 2);
  assert.match(twice.err, /'20260102' is listed twice; give each date once/);
  const root2 = await mmoe('eval', '--model', join(root, 'models'), '--data-dir', data, '--dates', '20260102');
  assert.equal(root2.code, 2);
  assert.match(root2.err, /is a model root, not a model; pass .*latest/);
});

test('--report writes a self-contained HTML report that renders in Chromium with every task', async () => {
  const file = join(root, 'out', 'report.html');
  const r = await mmoe('eval', '--model', model, '--baseline', untrained, '--data-dir', data, '--dates', '20260102', '--report', file);
  assert.equal(r.code, 0, r.err);
  const { dom, console, requests, charts: drawn } = await renderInChromium(file);
  assert.deepEqual(requests, [], 'the page loads nothing');
  assert.deepEqual(console, []);
  const charts = Number(dom.match(/data-charts="(\d+)"/)?.[1]);
  assert.equal(charts, 11, 'ROC, precision-recall, calibration and histogram for both tasks, the gate heat map, loss and AUC per epoch');
  for (const c of drawn) assert.deepEqual(overlappingTexts(c), [], c.label);
  assert.match(dom, new RegExp(`data-charts-rendered="${charts}"`));
  for (const t of ['ctr', 'ctcvr']) assert.match(dom, new RegExp(`data-task="${t}"`));
});

// wasm only: the folded scorer runs its kernels on the tfjs wasm heap (other backends score with the plain graph).
test('wasm: folded scoring reports itself and gives the plain graph\'s metrics and scores (--fold-budget 0)', async () => {
  const run = async (...extra: string[]) => {
    const r = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--format', 'json', '--backend', 'wasm', ...extra);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const folded = await run();
  const plain = await run('--fold-budget', '0');
  assert.equal(folded.model.scoring.engine, 'folded');
  assert.equal(folded.model.scoring.backend, 'wasm');
  assert.ok(folded.model.scoring.foldedFields.includes('site_id'));
  assert.equal(plain.model.scoring.engine, 'graph');
  assert.match(plain.model.scoring.reason, /--fold-budget 0/);
  for (let k = 0; k < plain.tasks.length; k++) {
    const [a, b] = [folded.tasks[k].binary, plain.tasks[k].binary];
    for (const m of ['auc', 'logLoss', 'calibration']) assert.ok(Math.abs(a[m].value - b[m].value) < 1e-6, `${plain.tasks[k].name} ${m}: ${a[m].value} vs ${b[m].value}`);
  }
  for (const g of Object.keys(plain.gates)) plain.gates[g].meanWeight.forEach((w: number, e: number) => assert.ok(Math.abs(w - folded.gates[g].meanWeight[e]) < 1e-6));
  const out = (name: string) => join(root, `${name}.csv`);
  for (const [name, extra] of [['folded', []], ['plain', ['--fold-budget', '0']]] as const) {
    const r = await mmoe('predict', '--model', model, '--data-dir', data, '--dates', '20260102', '--output', out(name), '--backend', 'wasm', ...extra);
    assert.equal(r.code, 0, r.err);
  }
  const rows = (name: string) => readFileSync(out(name), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const [a, b] = [rows('folded'), rows('plain')];
  assert.equal(a.length, 3000);
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i]![j]!) < 1e-6, `row ${i}: ${v} vs ${b[i]![j]}`)));
});

// wasm: scoring threads are for wasm, one compute thread per tfjs instance (TensorFlow has threads of its own).
test('scoring threads give the same report and the same predict output, byte for byte, as the main thread', async () => {
  const run = async (threads: string) => {
    const r = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260101,20260102', '--format', 'json', '--backend', 'wasm', '--threads', threads);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.model.scoring.threads, Number(threads));
    assert.equal(doc.model.scoring.engine, 'folded');
    return { tasks: doc.tasks, gates: doc.gates, relatedness: doc.relatedness, rows: doc.data.rowsEvaluated };
  };
  assert.deepEqual(await run('2'), await run('0'));
  const out = (t: string) => join(root, `threads-${t}.csv`);
  for (const t of ['0', '2']) {
    const r = await mmoe('predict', '--model', model, '--data-dir', data, '--dates', '20260101,20260102', '--output', out(t), '--keep', 'click', '--backend', 'wasm', '--threads', t);
    assert.equal(r.code, 0, r.err);
  }
  assert.equal(readFileSync(out('2'), 'utf8'), readFileSync(out('0'), 'utf8'));
});

// wasm: where scoring threads run. One core usable (a cgroup CPU quota of 1 on 8 cores) and --threads 2.
test('eval and predict log the scoring threads and why; more than the usable cores is one warning, also for two models', async () => {
  const cores = coresUnderQuota(join(root, 'cgroup'), 1, 8);
  const run = async (...args: string[]) => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }));
    const env = { ...fakeEnv(), makeLogger: () => logger, cores };
    const code = await main(['node', 'mmoe', ...args, '--data-dir', data, '--dates', '20260102', '--backend', 'wasm'], env);
    assert.equal(code, 0, env.err());
    return lines;
  };
  const warning = /^threads 2 \(--threads\) is more than the 1 core usable \(cgroup CPU quota 1\.0 of 8 cores\): scoring threads beyond the cores take turns/;
  const set = await run('eval', '--model', model, '--baseline', model, '--threads', '2', '--format', 'json');
  assert.deepEqual(set.filter((l) => warning.test(l.msg)).map((l) => l.level), [40], set.map((l) => l.msg).join('\n'));
  assert.ok(set.some((l) => l.level === 20 && l.msg === 'scoring threads 2 (as set; 1 core usable: cgroup CPU quota 1.0 of 8 cores)'));
  const auto = await run('predict', '--model', model, '--output', join(root, 'threads-auto.csv'));
  assert.ok(auto.some((l) => l.level === 20 && /^scoring threads auto: 0 \([\d.]+ MiB of input, under 24 MiB: starting a thread costs more than it saves\)$/.test(l.msg)), auto.map((l) => l.msg).join('\n'));
  assert.ok(!auto.some((l) => l.level === 40 && /is more than the/.test(l.msg)));
});

// wasm: a scoring thread must be running when the baseline fails (see above).
test('a baseline that cannot be opened exits 2 and leaves no scoring thread running', async () => {
  const r = await mmoe('eval', '--model', model, '--baseline', join(root, 'no-such-model'), '--data-dir', data, '--dates', '20260102', '--backend', 'wasm', '--threads', '1');
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--baseline .*no such directory/);
  // A worker left running would keep this test file's process alive: the runner would time out.
});

test('eval --quiet: with 2>&1 the output is the markdown report alone; scoring internals are never logged at info', async () => {
  const bad = join(root, 'bad-day');
  writeDay(bad, '20260105', [[1, 0, 'A'], [0, 0, 'B'], [1, 1, 'A'], [0, 0, 'B']]);
  writeFileSync(join(bad, '20260105', 'part-00000.csv'), `${readFileSync(join(bad, '20260105', 'part-00000.csv'), 'utf8')}x,0,7\n`);
  const run = (...extra: string[]) =>
    spawnSync('sh', ['-c', `"${process.execPath}" bin/mmoe.js eval --model "${model}" --data-dir "${bad}" --dates 20260105 --max-bad-rows 0.5 --format markdown --backend wasm ${extra.join(' ')} 2>&1`], { encoding: 'utf8' });
  const loud = run();
  assert.equal(loud.status, 0, loud.stdout);
  assert.match(loud.stdout, /^\{"level":40,/m, 'off a terminal a warning is a JSON line on stderr (here: the bad row)');
  assert.doesNotMatch(loud.stdout, /projected tables|scoring on|scoring with/);
  const quiet = run('--quiet');
  assert.equal(quiet.status, 0, quiet.stdout);
  assert.ok(quiet.stdout.startsWith('## mmoe eval\n'), quiet.stdout.slice(0, 200));
  assert.doesNotMatch(quiet.stdout, /^\{/m);
});

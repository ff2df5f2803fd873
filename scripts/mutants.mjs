// The mutants scripts/mutate.mjs applies: small plausible bugs, each one exact replacement of
// `from` by `to` in a file of dist/ (compiled JavaScript: no types, no `!`), or, with `source`, in
// that .wat kernel source, assembled into `file` (its built module), and the test files
// (substrings, as scripts/run-tests.js takes them) that must notice it. Keep `from` short but
// unique in its file; when code moves, the script reports the mutant stale.

const METRICS = ['metrics/'];
const HASH = ['data/hash', 'data/front-cache', 'data/encoder'];
const PUBLISH = ['train/publish', 'model-root/'];
const POLICY = ['train/fit', 'train/schedule'];
const OPTIMIZERS = ['model/dense-optimizer', 'model/embeddings', 'model/sparse-update', 'model/multi-task-model', 'model/persist', 'model/undo-log', 'train/fit'];
const FOLDED = ['model/folded-scorer'];
const DATA = ['data/'];
const FAST = ['model/', 'train/fit'];
const KERNELS = { source: 'src/model/wasm/training.wat', file: 'src/model/wasm/training-wasm.js' };

export const MUTANTS = [
  // Metrics: behaviour that stays whatever shape the code takes (exact AUC, weights, log loss,
  // calibration, thresholds, regression errors, group AUC, correlations).
  { id: 'auc-normaliser', area: 'metrics', file: 'src/metrics/auc.js', from: 's.area / (s.positives * s.negatives)', to: 's.area / (s.positives + s.negatives)', bug: 'AUC divided by the row count instead of the pair count', tests: METRICS },
  { id: 'auc-ties-full', area: 'metrics', file: 'src/metrics/auc.js', from: 'negBelow + g.negative / 2', to: 'negBelow + g.negative', bug: 'tied scores counted as wins, not halves', tests: METRICS },
  { id: 'auc-one-class', area: 'metrics', file: 'src/metrics/auc.js', from: 's.positives === 0 || s.negatives === 0', to: 's.positives === 0 && s.negatives === 0', bug: 'AUC of a single-class set reported as a number', tests: METRICS },
  { id: 'logloss-unweighted', area: 'metrics', file: 'src/metrics/binary.js', from: 'total += w;', to: 'total += 1;', bug: 'weighted log loss divided by the row count', tests: METRICS },
  { id: 'logloss-no-clip', area: 'metrics', file: 'src/metrics/binary.js', from: 'Math.min(Math.max(scores[i], eps), 1 - eps)', to: 'scores[i]', bug: 'probabilities of 0 and 1 not clipped (infinite log loss)', tests: METRICS },
  { id: 'calibration-inverted', area: 'metrics', file: 'src/metrics/binary.js', from: 'defined(meanScore / labelRate)', to: 'defined(labelRate / meanScore)', bug: 'calibration is label rate over mean score', tests: METRICS },
  { id: 'threshold-inclusive', area: 'metrics', file: 'src/metrics/binary.js', from: 'scores[i] > threshold', to: 'scores[i] >= threshold', bug: 'a score equal to the threshold predicted positive', tests: METRICS },
  { id: 'f1-formula', area: 'metrics', file: 'src/metrics/binary.js', from: 'ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn', to: 'ratio(c.tp, c.tp + c.fp + c.fn', bug: 'F1 computed as a Jaccard index', tests: METRICS },
  { id: 'mse-is-rmse', area: 'metrics', file: 'src/metrics/regression.js', from: 'mse: defined(se / weight)', to: 'mse: defined(Math.sqrt(se / weight))', bug: 'MSE reported as RMSE', tests: METRICS },
  { id: 'r2-unweighted-total', area: 'metrics', file: 'src/metrics/regression.js', from: 'ssTot += weightAt(weights, i) * d * d;', to: 'ssTot += d * d;', bug: 'R^2 total sum of squares ignores row weights', tests: METRICS },
  { id: 'gauc-unweighted', area: 'metrics', file: 'src/metrics/group-auc.js', from: 'const w = sweep.positives + sweep.negatives;', to: 'const w = 1;', bug: 'group AUC a plain mean, not impression-weighted', tests: METRICS },
  { id: 'tie-group-split', area: 'metrics', file: 'src/metrics/sort.js', from: '} while (j !== stop && (scores[j] === s ||', to: '} while (j !== stop && (false ||', bug: 'the tie-group step ends every group after one row (ties ordered by row, not shared)', tests: METRICS },
  { id: 'ap-zero-weight-top', area: 'metrics', file: 'src/metrics/precision-recall.js', from: 'if (P > 0 && tp + fp > 0) {', to: 'if (P > 0) {', bug: 'average precision NaN when the top-scored rows have zero weight', tests: METRICS },
  { id: 'gauc-single-class', area: 'metrics', file: 'src/metrics/group-auc.js', from: 'if (auc.value === undefined) {', to: 'if (auc.value === undefined && false) {', bug: 'single-class groups not skipped', tests: METRICS },

  // Hashing.
  { id: 'hash-trim', area: 'hashing', file: 'src/data/hash.js', from: 'farmhash.fingerprint64(value)', to: 'farmhash.fingerprint64(value.trim())', bug: 'values trimmed before hashing', tests: HASH },
  { id: 'hash-lowercase', area: 'hashing', file: 'src/data/hash.js', from: 'farmhash.fingerprint64(value)', to: 'farmhash.fingerprint64(value.toLowerCase())', bug: 'values lower-cased before hashing', tests: HASH },
  { id: 'hash-empty-bucket', area: 'hashing', file: 'src/data/hash.js', from: "value === '' ? buckets :", to: "value === '' ? 0 :", bug: 'the empty value shares bucket 0', tests: HASH },
  { id: 'hash-table-rows', area: 'hashing', file: 'src/data/hash.js', from: 'return buckets + 1;', to: 'return buckets;', bug: 'no table row for the empty value', tests: HASH },
  { id: 'cache-tag-only', area: 'hashing', file: 'src/data/front-cache.js', from: 'this.slots[2 * i] === h && this.keys[i] === s', to: 'this.slots[2 * i] === h', bug: 'the encoder cache trusts its 32-bit tag without comparing the value', tests: HASH },
  { id: 'cache-empty', area: 'hashing', file: 'src/data/front-cache.js', from: 'if (n === 0)\n            return this.buckets;', to: 'if (n === 0)\n            return 0;', bug: 'the encoder cache puts the empty value in bucket 0', tests: HASH },

  // Publishing and atomic output.
  { id: 'latest-absolute', area: 'publish', file: 'src/model-root/links.js', from: 'symlinkSync(name, tmp', to: 'symlinkSync(join(modelRoot, name), tmp', bug: 'latest points at an absolute path (breaks when the directory moves)', tests: PUBLISH },
  { id: 'publish-keeps-old', area: 'publish', file: 'src/train/publish.js', from: 'if (previous)\n        rmSync(previous', to: 'if (false)\n        rmSync(previous', bug: 'a republished date leaves the replaced model behind (disk fills)', tests: PUBLISH },
  { id: 'publish-no-undo', area: 'publish', file: 'src/train/publish.js', from: 'if (previous)\n            renameSync(previous, target);', to: '', bug: 'a failed publish does not put the previous model back', tests: PUBLISH },
  { id: 'sweep-deletes-moved', area: 'publish', file: 'src/train/publish.js', from: 'renameSync(join(modelRoot, entry), join(modelRoot, name));', to: 'rmSync(join(modelRoot, entry), { recursive: true, force: true });', bug: 'a model set aside by a killed publish is deleted instead of put back', tests: PUBLISH },
  { id: 'lock-on-unlinked-file', area: 'publish', file: 'src/model-root/lock.js', from: 'if (!sameFile(fd, path)) {', to: 'if (false) {', bug: 'a run that locked the file a finishing holder just unlinked runs alongside the next one', tests: PUBLISH },
  { id: 'retention-deletes-served', area: 'publish', file: 'src/model-root/retention.js', from: 'models.slice(keep).filter((n) => !spared.has(n))', to: 'models.slice(keep)', bug: 'retention deletes the model latest or previous points at', tests: PUBLISH },
  { id: 'discard-nothing', area: 'publish', file: 'src/train/publish.js', from: 'export function discardStaging(staging) {\n    rmSync(staging, { recursive: true, force: true });', to: 'export function discardStaging(staging) {\n    void staging;', bug: 'a failed run leaves its staging directory', tests: PUBLISH },
  { id: 'atomic-file-in-place', area: 'publish', file: 'src/util/atomic-file.js', from: 'this.tmp = temporaryFor(this.target);', to: 'this.tmp = this.target;', bug: 'streamed output (predict --output) written straight to the final path', tests: ['util/atomic-file'] },
  { id: 'write-file-in-place', area: 'publish', file: 'src/util/atomic-file.js', from: 'const tmp = temporaryFor(target);', to: 'const tmp = target;', bug: 'model files and reports written in place: a failed write destroys the old content', tests: ['util/atomic-file'] },

  // Training policy (fit.ts, schedule.ts).
  { id: 'mse-higher-better', area: 'training policy', file: 'src/train/fit.js', from: "monitor.metric === 'auc' ? m : -m", to: "monitor.metric === 'auc' ? m : m", bug: 'early stopping on a regression task keeps the highest MSE', tests: POLICY },
  { id: 'no-best-restore', area: 'training policy', file: 'src/train/fit.js', from: 'model.restoreCheckpoint();', to: '', bug: 'the last epoch is published, not the best', tests: POLICY },
  { id: 'lr-epoch-off-by-one', area: 'training policy', file: 'src/train/fit.js', from: 'let lr = learningRateAt(tc.optimizer, epoch, step);', to: 'let lr = learningRateAt(tc.optimizer, epoch + 1, step);', bug: 'learning-rate decay one epoch early', tests: POLICY },
  { id: 'lr-step-off-by-one', area: 'training policy', file: 'src/train/schedule.js', from: "opt.decayEvery === 'epoch' ? epoch : step;", to: "opt.decayEvery === 'epoch' ? epoch : step + 1;", bug: 'per-step decay one step early', tests: POLICY },
  { id: 'lr-ceil', area: 'training policy', file: 'src/train/schedule.js', from: 'Math.floor(t / opt.decaySteps)', to: 'Math.ceil(t / opt.decaySteps)', bug: 'staircase decay rounds up', tests: POLICY },
  { id: 'diverge-nan-only', area: 'training policy', file: 'src/train/fit.js', from: 'if (!Number.isFinite(r.loss)) {', to: 'if (Number.isNaN(r.loss)) {', bug: 'an infinite loss is not divergence', tests: POLICY },
  { id: 'patience-plus-one', area: 'training policy', file: 'src/train/schedule.js', from: 'this.sinceBest >= this.patience', to: 'this.sinceBest > this.patience', bug: 'early stopping waits one epoch more than patience', tests: POLICY },
  { id: 'monitor-last-task', area: 'training policy', file: 'src/train/fit.js', from: 'cfg.training.earlyStopping.task ?? cfg.tasks[0].name', to: 'cfg.training.earlyStopping.task ?? cfg.tasks[cfg.tasks.length - 1].name', bug: 'early stopping watches the last task by default', tests: POLICY },
  { id: 'warm-start-ignores-label-transform', area: 'training policy', file: 'src/model/persist.js', from: ":${t.type}:${t.labelTransform ?? 'none'}`", to: ":${t.type}`", bug: 'a log1p-trained model is warm-started from under labelTransform none', tests: ['model/persist', 'train/warm-start'] },
  { id: 'warm-start-ignores-numeric-transform', area: 'training policy', file: 'src/model/persist.js', from: "saved.spec.numeric.map((n) => `${n.name}:${n.transform}`)", to: 'saved.spec.numeric.map((n) => `${n.name}:${current.spec.numeric.find((c) => c.name === n.name)?.transform}`)', bug: 'a standardize-trained model is warm-started from under minmax', tests: ['model/persist', 'train/warm-start'] },
  { id: 'same-order-every-epoch', area: 'training policy', file: 'src/train/fit.js', from: 'tc.seed * 1009 + epoch', to: 'tc.seed * 1009', bug: 'every epoch sees the rows in the same order', tests: POLICY },

  // Optimizers (dense and sparse) and the best-epoch checkpoint.
  { id: 'adam-bias-m', area: 'optimizers', file: 'src/model/sparse-optimizer.js', from: '/ (1 - BETA1 ** n)', to: '/ (1 - BETA1)', bug: "Adam's first-moment bias correction ignores the step", tests: OPTIMIZERS },
  { id: 'adam-v-not-squared', area: 'optimizers', file: 'src/model/sparse-optimizer.js', from: '(1 - BETA2) * gi * gi', to: '(1 - BETA2) * Math.abs(gi)', bug: "Adam's second moment takes |g|, not g^2", tests: OPTIMIZERS },
  { id: 'adam-step-lag', area: 'optimizers', file: 'src/model/sparse-optimizer.js', from: 'adamStepSize(this.learningRate, this.step)', to: 'adamStepSize(this.learningRate, this.step - 1)', bug: 'bias correction one step behind', tests: OPTIMIZERS },
  { id: 'adagrad-initial', area: 'optimizers', file: 'src/model/sparse-optimizer.js', from: 'Math.sqrt(acc + ADAGRAD_INITIAL + EPSILON)', to: 'Math.sqrt(acc + EPSILON)', bug: "Adagrad's accumulator starts at 0, not 0.1 (as tf.train.AdagradOptimizer)", tests: OPTIMIZERS },
  { id: 'clip-inverted', area: 'optimizers', file: 'src/model/dense-optimizer.js', from: 'if (norm > this.clipNorm)', to: 'if (norm < this.clipNorm)', bug: 'gradients clipped when below the norm limit', tests: OPTIMIZERS },
  { id: 'dense-no-step-count', area: 'optimizers', file: 'src/model/dense-optimizer.js', from: 'this.rule.nextStep();', to: '', bug: "the dense optimizer's step count never advances", tests: OPTIMIZERS },
  { id: 'sparse-lr-fixed', area: 'optimizers', file: 'src/model/multi-task-model.js', from: 'this.sparseOptimizer.learningRate = lr * this.sparseRatio;', to: 'void lr;', bug: 'the embedding learning rate does not decay', tests: OPTIMIZERS },
  { id: 'cross-grad-wrong-factor', area: 'optimizers', file: 'src/model/sparse-update.js', from: 's.grads[g + k] += dx[o + offset + k] * block[o + x.oa + k];', to: 's.grads[g + k] += dx[o + offset + k] * block[o + x.ob + k];', bug: "a cross's second field gets its own factor in its gradient", tests: OPTIMIZERS },
  { id: 'checkpoint-no-rows', area: 'optimizers', file: 'src/model/sparse-update.js', from: 't.undo?.save(t.store, t.slots.rows, t.slots.count);', to: '', bug: 'the best-epoch checkpoint does not save embedding rows', tests: OPTIMIZERS },
  { id: 'checkpoint-no-moments', area: 'optimizers', file: 'src/model/multi-task-model.js', from: 'this.setOptimizerHeader(this.kept.optimizer, this.kept.embeddingSteps);', to: 'this.sparseOptimizer.steps = this.kept.embeddingSteps;', bug: "restoring the best epoch keeps the last epoch's dense moments", tests: OPTIMIZERS },

  // Folded scoring (eval and predict on wasm).
  { id: 'fold-cross-sum', area: 'folded scoring', file: 'src/model/folded-first-layer.js', from: 'wa[ia * sa + k] * wb[ib * sb + k]', to: 'wa[ia * sa + k] + wb[ib * sb + k]', bug: 'a cross scored as the sum of its factors', tests: FOLDED },
  { id: 'fold-numeric-row', area: 'folded scoring', file: 'src/model/folded-first-layer.js', from: 'out[r * width + at + k] = batch.num[r * count + k];', to: 'out[r * width + at + k] = batch.num[k];', bug: "every row scored with the first row's numerics", tests: FOLDED },
  { id: 'fold-largest-first', area: 'folded scoring', file: 'src/model/folded-tables.js', from: 'a.table.rows - b.table.rows || a.column - b.column', to: 'b.table.rows - a.table.rows || a.column - b.column', bug: 'the fold budget folds the largest tables first', tests: FOLDED },
  { id: 'fold-bias-slot', area: 'folded scoring', file: 'src/model/folded-tables.js', from: 'biasRow.set(l.bias, layers[j].at)', to: 'biasRow.set(l.bias, 0)', bug: 'every first layer gets the first layer\'s bias slot', tests: FOLDED },
  { id: 'fold-budget-per-table', area: 'folded scoring', file: 'src/model/folded-tables.js', from: 'if (tableBytes + bytes > budgetBytes) {', to: 'if (bytes > budgetBytes) {', bug: 'the fold budget applies per table, not in total', tests: FOLDED },
  { id: 'fold-self-check-off', area: 'folded scoring', file: 'src/model/folded-scorer.js', from: 'if (!(deviation <= SELF_CHECK_TOLERANCE)) {', to: 'if (false) {', bug: 'a folded scorer that disagrees with the plain graph is used anyway', tests: FOLDED },

  // The data reader: partitions, CSV, numbers, labels, bad rows, hold-out, batches.
  { id: 'days-off-by-one', area: 'data reader', file: 'src/data/partitions.js', from: 'end - (days - 1 - i) * DAY_MS', to: 'end - (days - i) * DAY_MS', bug: '--days N reads the N days before cur-date, not ending at it', tests: DATA },
  { id: 'gz-files-skipped', area: 'data reader', file: 'src/data/partitions.js', from: " || name.endsWith('.csv.gz')", to: "", bug: '*.csv.gz files are not read', tests: DATA },
  { id: 'line-numbers-shifted', area: 'data reader', file: 'src/data/fast-lines.js', from: 'lines.push(this.line + i);', to: 'lines.push(this.line + i + 1);', bug: 'bad rows name the line after theirs (fast path)', tests: DATA },
  { id: 'bom-kept', area: 'data reader', file: 'src/data/fast-lines.js', from: 'bytes = this.pending = bytes.subarray(3);', to: 'bytes = this.pending;', bug: 'a UTF-8 BOM becomes part of the first column name', tests: DATA },
  { id: 'overflow-accepted', area: 'data reader', file: 'src/data/decimal.js', from: 'return x - x === 0 ? x : Number.NaN;', to: 'return x;', bug: '1e999 parses as Infinity', tests: DATA },
  { id: 'float32-range-unchecked', area: 'data reader', file: 'src/data/decimal.js', from: 'return f - f === 0;', to: 'return true;', bug: '1e300 passes and becomes Infinity in the model', tests: DATA },
  { id: 'binary-label-unchecked', area: 'data reader', file: 'src/data/encoder.js', from: 'if (y !== 0 && y !== 1)', to: 'if (false)', bug: 'a binary label of 2 is not a bad row (trained on as NaN)', tests: DATA },
  { id: 'binary-label-any-digit', area: 'data reader', file: 'src/data/decimal.js', from: '/^[ \\t]*([01])(?:\\.0*)?[ \\t]*$/', to: '/^[ \\t]*([0-9])(?:\\.0*)?[ \\t]*$/', bug: "a binary label '2.0' read as 0", tests: DATA },
  { id: 'log1p-negative-label', area: 'data reader', file: 'src/data/stored-values.js', from: "return y < 0 && task.labelTransform === 'log1p' ? NEGATIVE_LOG1P : null;", to: 'return null;', bug: 'a negative label under log1p becomes NaN in training', tests: DATA },
  { id: 'bad-rows-strict', area: 'data reader', file: 'src/data/bad-rows.js', from: 'this.total <= maxRatio * rowsRead', to: 'this.total < maxRatio * rowsRead', bug: 'exactly --max-bad-rows of bad rows fails the read', tests: DATA },
  { id: 'holdout-ignores-seed', area: 'data reader', file: 'src/data/holdout.js', from: 'this.rows = heldOutRows(seed, validRatio);', to: 'this.rows = heldOutRows(0, validRatio);', bug: 'the hold-out ignores the seed', tests: DATA },
  { id: 'holdout-per-file-key', area: 'data reader', file: 'src/data/holdout.js', from: 'if (block.fileIndex !== this.fileIndex) {', to: 'if (this.fileIndex === -1) {', bug: "every file's rows drawn with the first file's key", tests: DATA },
  { id: 'last-batch-dropped', area: 'data reader', file: 'src/data/read-batches.js', from: 'if (out.size > 0)\n        yield out.toBatch(withSources);', to: '', bug: 'the rows of a last partial batch are never trained on', tests: DATA },
  { id: 'minmax-scale', area: 'data reader', file: 'src/data/feature-spec.js', from: 'return range > 0 ? (x - n.min) / range : 0;', to: 'return range > 0 ? (x - n.min) / n.max : 0;', bug: 'minmax divides by max, not by max - min', tests: DATA },
  { id: 'std-sample', area: 'data reader', file: 'src/data/numeric-stats.js', from: 'Math.sqrt(this.m2 / this.count)', to: 'Math.sqrt(this.m2 / (this.count - 1))', bug: 'standardize uses the sample, not the population, standard deviation', tests: DATA },

  // The training fast path: the hand-written kernels (training.wat), the threads' shards, their
  // reduction and update, the probe that falls back to the tfjs graph, the lazy sparse update of
  // the embedding rows and the checkpoint's undo log, dropout and the per-step learning rate.
  { id: 'wat-gemm-last-row', area: 'fast path', ...KERNELS, from: '(br_if $rows1_done (i32.ge_s (local.get $i) (local.get $m)))', to: '(br_if $rows1_done (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $m)))', bug: 'the gemm kernel leaves the last row of a product unwritten when the rows are not a multiple of 4 (off by one in its edge loop)', tests: FAST },
  { id: 'wat-colsum-last-row', area: 'fast path', ...KERNELS, from: '(br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))', to: '(br_if $rows_done (i32.ge_s (i32.add (local.get $r) (i32.const 1)) (local.get $rows)))', bug: "bias gradients (colsum kernel) leave out each shard's last row", tests: FAST },
  { id: 'wat-softmax-grad-sign', area: 'fast path', ...KERNELS, from: '(f32x4.sub (v128.load (i32.add (local.get $dy) (local.get $o))) (local.get $dot))', to: '(f32x4.sub (local.get $dot) (v128.load (i32.add (local.get $dy) (local.get $o))))', bug: "the gates' softmax gradient has the wrong sign (kernel)", tests: FAST },
  { id: 'wat-reduce-missing-shard', area: 'fast path', ...KERNELS, from: '(local.set $t (i32.const 1))', to: '(local.set $t (i32.const 2))', bug: "the reduction across threads leaves out the second thread's gradients (kernel)", tests: FAST },
  { id: 'wat-adam-m-not-kept', area: 'fast path', ...KERNELS, from: '(v128.store (local.get $m) (local.get $mv))', to: '', bug: "dense Adam's first moment is never stored: no momentum across steps (kernel)", tests: FAST },
  { id: 'fast-adam-no-bias-correction', area: 'fast path', file: 'src/model/fast/fast-trainer.js', from: 'adamStepSize(this.learningRate, this.steps + 1)', to: 'this.learningRate', bug: "the fast path's dense Adam skips its bias correction", tests: FAST },
  { id: 'fast-lr-fixed', area: 'fast path', file: 'src/model/multi-task-model.js', from: 'if (this.fast)\n            this.fast.learningRate = lr;', to: '', bug: 'the fast path keeps the learning rate it started with (decay and later rates ignored)', tests: FAST },
  { id: 'probe-tolerance-ignored', area: 'fast path', file: 'src/model/fast/probe.js', from: 'if (!(deviation <= tolerance)) {', to: 'if (false) {', bug: 'a probe step that disagrees with the tfjs graph still trains on the fast path', tests: FAST },
  { id: 'probe-no-weight-gradients', area: 'fast path', file: 'src/model/fast/probe.js', from: '...fast.dense.map((g, i) => ({', to: '...[].map((g, i) => ({', bug: "the probe compares the losses and the input gradient only, not the weights' gradients", tests: FAST },
  { id: 'loss-shard-mean', area: 'fast path', file: 'src/model/fast/shard.js', from: 'shard.labels, shard.weights, n, rows,', to: 'shard.labels, shard.weights, n, n,', bug: "each thread's loss gradient is a mean over its shard, not over the batch", tests: FAST },
  { id: 'fill-skips-last-row', area: 'fast path', file: 'src/model/fast/shard.js', from: 'copyRows(this.table.columns, this.index, a, b, this.area', to: 'copyRows(this.table.columns, this.index, a, b - 1, this.area', bug: "a thread copying its shard from the table leaves out the last row (trains on the previous batch's row)", tests: FAST },
  { id: 'table-growth-unseen', area: 'fast path', file: 'src/model/fast/fast-trainer.js', from: 'if (known && known.cat === t.cat && known.num === t.num && known.labels === t.labels && known.weights === t.weights)', to: 'if (known)', bug: "the threads keep reading a table's old arrays after it grew", tests: FAST },
  { id: 'failure-outlives-step', area: 'fast path', file: 'src/model/fast/step-sync.js', from: 'Atomics.store(this.i32, FAILED, 0);', to: '', bug: "a training thread's failure is reported again by every later step", tests: FAST },
  { id: 'reduce-no-l2', area: 'fast path', file: 'src/model/fast/plan.js', from: '{ f32: e.l2 }', to: '{ f32: 0 }', bug: "the fast path's dense update leaves out the L2 term of the gradient", tests: FAST },
  { id: 'sparse-skip-last-row', area: 'fast path', file: 'src/model/sparse-update.js', from: 'for (let b = 0; b < n; b++) {\n        const row = cat[b * nCat + column];', to: 'for (let b = 0; b < n - 1; b++) {\n        const row = cat[b * nCat + column];', bug: "the sparse update leaves out each shard's last row", tests: FAST },
  { id: 'sparse-shards-reversed', area: 'fast path', file: 'src/model/sparse-update.js', from: 'for (const { batch, dx, stride } of shards)', to: 'for (const { batch, dx, stride } of [...shards].reverse())', bug: "a row's gradient is summed over the shards last first (another float sum with 2+ threads than with 1)", tests: FAST },
  { id: 'row-owner-overlap', area: 'fast path', file: 'src/model/sparse-update.js', from: '% of !== part', to: '% of > part', bug: 'tables dealt to threads by row blocks: some rows are updated by two threads', tests: FAST },
  { id: 'row-slots-collision', area: 'fast path', file: 'src/model/row-slots.js', from: 'if (k === row)', to: 'if (k !== -1)', bug: 'two rows whose hashes collide share one gradient slot (tables over 65,536 rows)', tests: FAST },
  { id: 'undo-save-after-update', area: 'fast path', file: 'src/model/sparse-update.js', from: 't.undo?.save(t.store, t.slots.rows, t.slots.count);\n    opt.apply(t.store, t.stride, t.dim, t.slots);', to: 'opt.apply(t.store, t.stride, t.dim, t.slots);\n    t.undo?.save(t.store, t.slots.rows, t.slots.count);', bug: 'the checkpoint saves a row after the update changed it', tests: FAST },
  { id: 'dropout-in-eval', area: 'fast path', file: 'src/model/multi-task-model.js', from: 'this.logits(this.net.evalLogits, this.blockTensor(batch))', to: 'this.logits(this.net.evalLogits, this.blockTensor(batch), true)', bug: 'dropout masks applied in evaluation (validation loss)', tests: FAST },
];

// The config file is the public API: every key is declared and documented here (docs/config.md).
import { z } from 'zod';
import { MAX_THREADS } from '../util/cpus.js';

/** Names the config invents and the model's outputs carry (tasks): identifiers. */
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier: letters, digits and _');
/**
 * CSV header text, used as it is ("native-country", "class of worker"): anything but empty, with
 * no leading or trailing whitespace (headers are trimmed when read) and no line break. Where the
 * exported graph needs an identifier, one is derived (data/graph-names.ts).
 */
const text = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => s.trim() === s, 'must not start or end with whitespace (CSV headers are trimmed when read)')
  .refine((s) => !/[\r\n]/.test(s), 'must not hold a line break');
const positiveInt = z.number().int().positive();
const units = z.array(positiveInt).min(1);
const activation = z.enum(['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'linear', 'swish']);

export const categoricalFeature = z
  .object({
    /** Feature name; also the CSV column unless `column` is given. */
    name: text,
    /** CSV column to read, when it differs from the name (one column can feed several features). */
    column: text.optional(),
    /** Hash buckets: values map to fingerprint64(value) % buckets; an empty value maps to bucket `buckets`. */
    // Bucket ids travel as int32 (the reserved empty-value bucket `buckets` included).
    buckets: positiveInt.max(2147483647, 'bucket ids are int32: at most 2147483647 buckets').optional(),
    /** Instead of hashing: a number's bucket (TensorFlow's bucketized_column), boundaries[i-1] <= x < boundaries[i] -> bucket i. */
    boundaries: z.array(z.number()).min(1).optional(),
    embeddingDim: positiveInt.default(16),
    /** Fields naming the same table share one embedding table (same buckets and dim required). */
    table: text.optional(),
  })
  .strict();

export const numericFeature = z
  .object({
    name: text,
    /** CSV column to read, when it differs from the name. */
    column: text.optional(),
    transform: z.enum(['none', 'log1p', 'standardize', 'minmax']).default('none'),
    /** Statistics for standardize / minmax; computed by one pass over the training days when absent. */
    mean: z.number().optional(),
    std: z.number().positive().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Value used for an empty cell. Without it an empty cell is a bad row. */
    fillEmpty: z.number().optional(),
  })
  .strict();

export const crossFeature = z
  .object({
    name: text,
    /** Two categorical fields whose embeddings are multiplied element-wise (same embeddingDim). */
    fields: z.tuple([text, text]),
  })
  .strict();

export const task = z
  .object({
    name,
    /** CSV label column. */
    label: text,
    type: z.enum(['binary', 'regression']),
    /** Applied to a regression label before the loss (e.g. log1p for heavy-tailed watch time). */
    labelTransform: z.enum(['none', 'log1p']).default('none'),
    lossWeight: z.number().nonnegative().default(1),
  })
  .strict();

const mlp = z
  .object({
    units,
    activation: activation.default('relu'),
    dropout: z.number().min(0).lt(1).default(0),
    l2: z.number().nonnegative().default(0),
  })
  .strict();

export const modelSection = z
  .object({
    type: z.enum(['single_task', 'shared_bottom', 'moe', 'mmoe', 'ple', 'esmm']).default('mmoe'),
    /** Shared experts (mmoe, moe, ple); for shared_bottom/single_task/esmm the bottom stack. */
    experts: mlp.extend({ count: positiveInt.default(8) }).default({ units: [16] }),
    /** Task-specific experts per task next to the shared ones (mmoe, ple). */
    taskExperts: z.number().int().nonnegative().default(0),
    /** Stacked extraction levels (mmoe, ple). */
    levels: positiveInt.default(1),
    gate: z.object({ temperature: z.number().positive().default(1) }).strict().default({}),
    towers: mlp.default({ units: [8] }),
    /** esmm only: which tasks are CTR and CTCVR (CVR is learned implicitly). */
    esmm: z
      .object({
        ctrTask: name,
        ctcvrTask: name,
        /** One bottom stack (model.experts) shared by the pCTR and pCVR towers; false: one bottom each, sharing only the embeddings. */
        sharedBottom: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict();

const optimizer = z
  .object({
    name: z.enum(['adam', 'adagrad']).default('adam'),
    learningRate: z.number().positive().default(0.001),
    /** Exponential decay: lr = learningRate * decayRate ^ floor(t / decaySteps). 1 disables it. */
    decayRate: z.number().positive().max(1).default(1),
    decaySteps: positiveInt.default(1),
    decayEvery: z.enum(['epoch', 'step']).default('epoch'),
    /** Clip the global gradient norm of the dense weights; 0 disables it. */
    clipNorm: z.number().nonnegative().default(0),
  })
  .strict();

export const trainingSection = z
  .object({
    epochs: positiveInt.default(10),
    batchSize: positiveInt.default(1024),
    seed: z.number().int().default(2022),
    shuffleBuffer: positiveInt.default(65536),
    /**
     * `memory`: encode every training row once and keep them; `stream`: re-read the days every
     * epoch; `auto`: memory when the rows fit the memory budget, else stream.
     */
    data: z.enum(['auto', 'memory', 'stream']).default('auto'),
    /** Training threads of the fast path: `auto` = every usable core (a cgroup CPU quota counts) for runs long enough to pay for starting them. */
    threads: z.union([z.literal('auto'), positiveInt.max(MAX_THREADS, `at most ${MAX_THREADS} threads`)]).default('auto'),
    /** `auto`: the fast path (wasm SIMD kernels) when it covers the model and its probe step agrees with tfjs; `tfjs`: always the tfjs graph. */
    kernels: z.enum(['auto', 'tfjs']).default('auto'),
    optimizer: optimizer.default({}),
    /** Embedding tables: lazy (sparse) Adam / Adagrad on the rows a batch touches. */
    embeddingOptimizer: optimizer.partial().optional(),
    /** Learn task weights from homoscedastic uncertainty (Kendall et al. 2018) on top of lossWeight. */
    uncertaintyWeighting: z.boolean().default(false),
    validation: z
      .object({
        /** Deterministic hold-out of the training rows by hashed row number. */
        validRatio: z.number().min(0).lt(1).default(0.1),
        /** An explicit validation date (YYYYMMDD) instead of the hold-out. */
        date: z.string().regex(/^\d{8}$/).optional(),
      })
      .strict()
      .default({}),
    earlyStopping: z
      .object({ task: name.optional(), patience: z.number().int().nonnegative().default(2) })
      .strict()
      .default({}),
    /**
     * Keep every row whose `task` label is 1 and a seeded, deterministic share `rate` of the others;
     * the published model's probability for `task` is corrected for it (docs/data.md).
     */
    negativeSampling: z
      .object({ task: name, rate: z.number().gt(0).lte(1), seed: z.number().int().optional() })
      .strict()
      .optional(),
  })
  .strict();

/** What the nightly job does with the model it trained: promote it or not, and what it keeps. */
export const publishSection = z
  .object({
    /** Promotion gate: `latest` moves to the new model only when it passes against the current one. */
    gate: z
      .object({
        /** Refuse the new model when any binary task's AUC is more than this below the current model's on the same rows. */
        maxAucDrop: z.number().nonnegative(),
      })
      .strict()
      .optional(),
    /** Model directories kept after a run (newest first), besides latest and previous; absent keeps all. */
    keepModels: positiveInt.optional(),
    /** Run log directories kept after a run (newest first); absent keeps all. */
    keepLogs: positiveInt.optional(),
  })
  .strict();

/** Serving exports written next to model.json at publish time (docs/serving.md). */
export const exportSection = z
  .object({
    onnx: z.boolean().default(false),
    keras: z.boolean().default(false),
    /** Gate softmaxes as extra outputs of the exports. */
    gates: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    features: z
      .object({
        categorical: z.array(categoricalFeature).default([]),
        numeric: z.array(numericFeature).default([]),
        crosses: z.array(crossFeature).default([]),
      })
      .strict(),
    tasks: z.array(task).min(1),
    /** Optional CSV column holding a per-row loss weight. */
    rowWeight: text.optional(),
    model: modelSection.default({}),
    training: trainingSection.default({}),
    publish: publishSection.default({}),
    export: exportSection.default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type CategoricalFeature = z.infer<typeof categoricalFeature>;
export type NumericFeature = z.infer<typeof numericFeature>;
export type CrossFeature = z.infer<typeof crossFeature>;
export type Task = z.infer<typeof task>;
export type ModelSection = z.infer<typeof modelSection>;
export type TrainingSection = z.infer<typeof trainingSection>;
export type PublishSection = z.infer<typeof publishSection>;
export type ExportSection = z.infer<typeof exportSection>;
export type MlpSection = z.infer<typeof mlp>;

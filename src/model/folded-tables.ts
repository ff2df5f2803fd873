// Folding embedding lookups into the first layer (the projected tables FoldedFirstLayer reads).
// Every Dense layer that reads the input block computes x.W + b, and x is mostly embedding rows,
// so a field's share of that product depends on its bucket alone: E_f[id].W_f is one row of the
// table E_f.W_f. Those rows are computed once, here, for all buckets (one matrix product per
// field, about 0.1 s and 150 MiB for the default model); scoring a row then costs a
// SIMD sum of a few table rows (wasm/scoring.wat) instead of a width x units matrix product.
// Crosses, numerics and fields whose projected table would not fit the memory budget keep the
// matrix product ("rest" columns).
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingTables } from './embeddings.js';
import type { BlockLayout } from './layout.js';
import { FLOATS_PER_VECTOR } from './wasm/scoring-kernels.js';

/** One Dense layer reading the input block: kernel [width, units] row-major, bias [units]. */
export interface FirstLayerWeights {
  kernel: Float32Array;
  bias: Float32Array;
  units: number;
  /** Apply max(0, x) in the kernel (other activations are left to the caller). */
  relu: boolean;
}

/** What is folded, and why other fields are not. */
export interface FoldSummary {
  folded: string[];
  unfolded: { name: string; reason: string }[];
  /** Bytes of the projected tables. */
  tableBytes: number;
  /** Floats per projected row: every first layer's units, each padded to whole 128-bit vectors. */
  rowFloats: number;
}

/** Where a first layer's columns sit in a projected row. */
export interface LayerSlot {
  units: number;
  vecs: number;
  at: number;
  relu: boolean;
}

/** The projected tables (tensors on the wasm backend) and the layout of their rows. */
export interface FoldedTables {
  rowFloats: number;
  /** The biases, laid out like a projected row: [rowFloats]. */
  bias: tf.Tensor1D;
  layers: LayerSlot[];
  /** Folded fields (by name) and their projected table [rows, rowFloats], in block order. */
  fields: { name: string; table: tf.Tensor2D }[];
  /** The kernel rows of the block columns that keep the matrix product ([columns, rowFloats]), in FoldedFirstLayer's order. */
  rest: { kernel: tf.Tensor2D } | null;
  summary: FoldSummary;
}

/**
 * Projects every bucket of the fields that fit `budgetBytes` (smallest tables first) through the
 * first layers `first`.
 */
export function foldTables(layout: BlockLayout, tables: EmbeddingTables, first: FirstLayerWeights[], budgetBytes: number): FoldedTables {
  let at = 0;
  const layers = first.map((l): LayerSlot => {
    const vecs = Math.ceil(l.units / FLOATS_PER_VECTOR);
    const slot = { units: l.units, vecs, at, relu: l.relu };
    at += vecs * FLOATS_PER_VECTOR;
    return slot;
  });
  const rowFloats = at;
  /** Block rows `rows` of every first layer's kernel, each layer in its slot: [rows.length, rowFloats]. */
  const kernelRows = (rows: number[]): Float32Array => {
    const k = new Float32Array(rows.length * rowFloats);
    first.forEach((l, j) => rows.forEach((row, r) => k.set(l.kernel.subarray(row * l.units, (row + 1) * l.units), r * rowFloats + layers[j]!.at)));
    return k;
  };
  const biasRow = new Float32Array(rowFloats);
  first.forEach((l, j) => biasRow.set(l.bias, layers[j]!.at));

  const fields: FoldedTables['fields'] = [];
  const unfolded: FoldSummary['unfolded'] = [];
  let tableBytes = 0;
  for (const field of [...layout.fields].sort((a, b) => a.table.rows - b.table.rows || a.column - b.column)) {
    const { rows, dim } = field.table;
    const bytes = rows * rowFloats * 4;
    if (tableBytes + bytes > budgetBytes) {
      unfolded.push({ name: field.name, reason: `its projected table (${mib(bytes)} MiB) does not fit the fold budget (${mib(budgetBytes - tableBytes)} MiB left)` });
      continue;
    }
    tableBytes += bytes;
    // A scoring model's table is stored as [rows, dim] already; a training one interleaves slots.
    const view = tables.view(field.table.name);
    const weights = view.stride === dim ? view.store : tables.read(field.table.name);
    const table = tf.tidy((): tf.Tensor2D => tf.matMul(tf.tensor2d(weights, [rows, dim]), tf.tensor2d(kernelRows(range(field.offset, dim)), [dim, rowFloats])));
    fields.push({ name: field.name, table });
  }
  const folded = new Set(fields.map((f) => f.name));
  const restRows = [
    ...layout.fields.filter((f) => !folded.has(f.name)).flatMap((f) => range(f.offset, f.table.dim)),
    ...layout.crosses.flatMap((x) => range(x.offset, x.dim)),
    ...range(layout.numericOffset, layout.numeric.length),
  ];
  const rest = restRows.length > 0 ? { kernel: tf.tensor2d(kernelRows(restRows), [restRows.length, rowFloats]) } : null;
  const order = layout.fields.filter((f) => folded.has(f.name)).map((f) => f.name);
  return {
    rowFloats,
    bias: tf.tensor1d(biasRow),
    layers,
    fields: order.map((name) => fields.find((f) => f.name === name)!),
    rest,
    summary: { folded: order, unfolded, tableBytes, rowFloats },
  };
}

export function disposeFolded(f: FoldedTables): void {
  tf.dispose([f.bias, ...f.fields.map((x) => x.table), ...(f.rest ? [f.rest.kernel] : [])]);
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => from + k);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

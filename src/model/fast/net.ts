// The dense network as the fast training path sees it: tensors [rows, cols] (tensor 0 the input
// block) and the operations between them, in an order where every tensor is made before it is
// read. Plain data without tfjs, so that it crosses to worker threads; describe.ts derives it
// from the tfjs training graph, plan.ts compiles it into kernel programs.

export type Activation = 'linear' | 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'swish';

export type NetOp =
  /** output = act(input kernel + bias): [rows, units]. */
  | { kind: 'dense'; input: number; output: number; units: number; activation: Activation; kernel: number; bias: number }
  /** Columns of the inputs side by side (tfjs Concatenate of [rows, n] on the last axis, or of expert banks [rows, e, u] on axis 1). */
  | { kind: 'concat'; inputs: number[]; output: number }
  /** output[r] = scale sum_e gate[r, e] bank[r, e]: [rows, units] (tfjs Multiply then GlobalAveragePooling1D, scale 1/experts). */
  | { kind: 'mixture'; gate: number; bank: number; output: number; experts: number; units: number; scale: number }
  /** output = scale input (tfjs Rescaling with offset 0). */
  | { kind: 'scale'; input: number; output: number; scale: number }
  /** Row-wise softmax. */
  | { kind: 'softmax'; input: number; output: number }
  | { kind: 'activation'; input: number; output: number; activation: Activation };

/** A trainable array: a Dense kernel [rows, cols] or bias [1, cols]. */
export interface ParamSpec {
  name: string;
  rows: number;
  cols: number;
  /** L2 factor (kernels with model.*.l2 > 0). */
  l2: number;
}

export interface Net {
  /** Columns of each tensor; tensor 0 is the input block. */
  cols: number[];
  ops: NetOp[];
  /** Loss inputs: the [rows, 1] tensors the architecture names as logits, in its order. */
  logits: { name: string; tensor: number }[];
  /** In the order of the tfjs model's trainable weights (the dense optimizer's order). */
  params: ParamSpec[];
}

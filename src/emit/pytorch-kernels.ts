// The TensorFlow.js kernels the lowering calls, and what each is in a PyTorch module: a torch
// function with the same meaning for the arguments the lowering passes, or a function of the
// Python runtime (src/runtime/python/lossc_torch.py, imported as `rt`) that keeps a tfjs
// semantic torch lacks (axis lists and keepDims, a reduction over no axis, shapes as lists,
// dtypes by tfjs name, tf.customGrad). One row per kernel; a kernel without a row is refused
// when a module is generated, naming it, never guessed.

import type { Kernel } from '../lower/interp.js';

export interface TorchKernel {
  /** The Python function called with the kernel's arguments, as tfjs takes them. */
  readonly callee: string;
}

const torch = (callee: string): TorchKernel => ({ callee: `torch.${callee}` });
const rt = (callee: string): TorchKernel => ({ callee: `rt.${callee}` });

export const TORCH_KERNELS: Readonly<Partial<Record<Kernel, TorchKernel>>> = {
  // Tensors made from numbers and shapes: the float dtype of the call (float32, or float64
  // under gradcheck); 'int32' is torch's int64 (class indices).
  scalar: rt('scalar'),
  fill: rt('fill'),
  zeros: rt('zeros'),
  onesLike: torch('ones_like'),
  zerosLike: torch('zeros_like'),
  range: rt('range_'),
  cast: rt('cast'),
  clone: torch('clone'),

  // Layout
  reshape: rt('reshape'),
  transpose: rt('transpose'),
  expandDims: rt('expand_dims'),
  squeeze: rt('squeeze'),
  slice: rt('slice_'),
  concat: rt('concat'),
  stack: rt('stack'),
  broadcastTo: rt('broadcast_to'),
  matMul: torch('matmul'),
  gather: rt('gather'),

  // Elementwise
  neg: torch('neg'),
  abs: torch('abs'),
  sign: torch('sign'),
  exp: torch('exp'),
  log: torch('log'),
  expm1: torch('expm1'),
  sqrt: torch('sqrt'),
  square: torch('square'),
  sigmoid: torch('sigmoid'),
  softplus: rt('softplus'),
  tanh: torch('tanh'),
  cosh: torch('cosh'),
  atan: torch('atan'),
  cos: torch('cos'),
  asinh: torch('asinh'),
  atan2: torch('atan2'),
  relu: torch('relu'),
  floor: torch('floor'),
  isFinite: torch('isfinite'),
  add: torch('add'),
  sub: torch('sub'),
  mul: torch('mul'),
  div: torch('div'),
  pow: torch('pow'),
  addN: rt('add_n'),
  maximum: torch('maximum'),
  minimum: torch('minimum'),
  equal: torch('eq'),
  notEqual: torch('ne'),
  less: torch('lt'),
  lessEqual: torch('le'),
  greater: torch('gt'),
  greaterEqual: torch('ge'),
  logicalAnd: torch('logical_and'),
  logicalOr: torch('logical_or'),
  logicalNot: torch('logical_not'),
  where: torch('where'),

  // Reductions: (x, axis?, keepDims?) as tfjs takes them
  sum: rt('sum_'),
  mean: rt('mean'),
  max: rt('max_'),
  min: rt('min_'),
  prod: rt('prod'),
  any: rt('any_'),
  all: rt('all_'),
  logSumExp: rt('log_sum_exp'),
  // Along the last axis, as tfjs computes them
  softmax: { callee: 'torch.softmax' },
  logSoftmax: { callee: 'torch.log_softmax' },

  // Scopes and the custom gradient
  tidy: rt('tidy'),
  dispose: rt('dispose'),
  customGrad: rt('custom_grad'),
};

/** torch.softmax and torch.log_softmax need the axis tfjs leaves implicit (the last). */
export const LAST_AXIS_KERNELS: ReadonlySet<Kernel> = new Set(['softmax', 'logSoftmax']);

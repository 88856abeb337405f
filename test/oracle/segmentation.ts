/**
 * Segmentation and detection losses (seed §5, exercise 1), float64 references.
 */
import { classLayout, classRow } from './classes.js';
import { cross_entropy } from './classification.js';
import { classIndex, logSoftmax } from './math.js';
import { reduce, sameShape, type Reduced, type ReduceOpts, type Reduction } from './reduce.js';
import { el, type F64Tensor } from './tensor.js';

/** Seed §5.1 `DiceLoss` (binary, p already probabilities): 1 − (2Σpt + s)/(Σp + Σt + s) over all elements. */
export function dice(pred: F64Tensor, target: F64Tensor, opts: { smooth?: number } = {}): number {
  sameShape(pred, target, 'dice');
  const s = opts.smooth ?? 1;
  let inter = 0;
  let sp = 0;
  let st = 0;
  pred.data.forEach((p, i) => {
    const t = el(target.data, i);
    inter += p * t;
    sp += p;
    st += t;
  });
  return 1 - (2 * inter + s) / (sp + st + s);
}

/**
 * Seed exercise 1 `TverskyLoss`: 1 − (TP + s)/(TP + α·FP + β·FN + s),
 * TP = Σpt, FP = Σp(1−t), FN = Σ(1−p)t. α = β = 0.5 gives `dice`.
 */
export function tversky(
  pred: F64Tensor,
  target: F64Tensor,
  opts: { alpha?: number; beta?: number; smooth?: number } = {},
): number {
  sameShape(pred, target, 'tversky');
  const a = opts.alpha ?? 0.5;
  const b = opts.beta ?? 0.5;
  const s = opts.smooth ?? 1;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  pred.data.forEach((p, i) => {
    const t = el(target.data, i);
    tp += p * t;
    fp += p * (1 - t);
    fn += (1 - p) * t;
  });
  return 1 - (tp + s) / (tp + a * fp + b * fn + s);
}

/**
 * Seed §5.1 `MultiClassDiceLoss`: logits [N, C, d1…], target [N, d1…] class indices;
 * softmax over C, one-hot target, per class c: dice_c = (2Σ p_c t_c + s)/(Σp_c + Σt_c + s) over
 * batch and space; loss = mean_c (1 − dice_c).
 */
export function multiclass_dice(logits: F64Tensor, target: F64Tensor, opts: { smooth?: number } = {}): number {
  const s = opts.smooth ?? 1;
  const L = classLayout(logits, target, 'multiclass_dice');
  const inter = new Float64Array(L.C);
  const sp = new Float64Array(L.C);
  const st = new Float64Array(L.C);
  for (let pos = 0; pos < L.N * L.S; pos++) {
    const y = classIndex(el(target.data, pos), L.C, 'multiclass_dice target');
    const lp = logSoftmax(classRow(logits, L, pos));
    for (let c = 0; c < L.C; c++) {
      const p = Math.exp(el(lp, c));
      sp[c] = el(sp, c) + p;
      if (c === y) {
        inter[c] = el(inter, c) + p;
        st[c] = el(st, c) + 1;
      }
    }
  }
  let total = 0;
  for (let c = 0; c < L.C; c++) total += 1 - (2 * el(inter, c) + s) / (el(sp, c) + el(st, c) + s);
  return total / L.C;
}

/** Seed §5.3 `CombinedLoss`: ce_w·cross_entropy + dice_w·multiclass_dice (defaults 0.5, 0.5). */
export function ce_dice(
  logits: F64Tensor,
  target: F64Tensor,
  opts: { ce_weight?: number; dice_weight?: number } = {},
): number {
  return (opts.ce_weight ?? 0.5) * cross_entropy(logits, target) + (opts.dice_weight ?? 0.5) * multiclass_dice(logits, target);
}

interface BoxTerms {
  inter: number;
  union: number;
  enclosing: number;
}

function boxTerms(pred: F64Tensor, target: F64Tensor, what: string): BoxTerms[] {
  sameShape(pred, target, what);
  if (pred.shape.length !== 2 || pred.shape[1] !== 4) throw new Error(`${what}: boxes must be [N, 4]`);
  const out: BoxTerms[] = [];
  for (let i = 0; i < (pred.shape[0] ?? 0); i++) {
    const [px1, py1, px2, py2] = [0, 1, 2, 3].map((k) => el(pred.data, 4 * i + k)) as [number, number, number, number];
    const [tx1, ty1, tx2, ty2] = [0, 1, 2, 3].map((k) => el(target.data, 4 * i + k)) as [number, number, number, number];
    const iw = Math.max(Math.min(px2, tx2) - Math.max(px1, tx1), 0);
    const ih = Math.max(Math.min(py2, ty2) - Math.max(py1, ty1), 0);
    const inter = iw * ih;
    const union = (px2 - px1) * (py2 - py1) + (tx2 - tx1) * (ty2 - ty1) - inter;
    const enclosing = (Math.max(px2, tx2) - Math.min(px1, tx1)) * (Math.max(py2, ty2) - Math.min(py1, ty1));
    out.push({ inter, union, enclosing });
  }
  return out;
}

/**
 * Seed §5.2 `iou_loss`: boxes [N, 4] as [x1, y1, x2, y2]; 1 − mean(inter/(union + 1e-6)).
 * Per-box loss 1 − IoU_i, so 'mean' is the seed's value; 'sum' / 'none' / weights as usual.
 */
export function iou_loss<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: ReduceOpts<R> = {}): Reduced<R> {
  const data = Float64Array.from(boxTerms(pred, target, 'iou_loss'), (b) => 1 - b.inter / (b.union + 1e-6));
  return reduce({ shape: [data.length], data }, opts) as Reduced<R>;
}

/** Seed §5.2 `giou_loss`: 1 − mean(IoU − (C − U)/(C + 1e-6)), C the enclosing box area. Per-box as iou_loss. */
export function giou_loss<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: ReduceOpts<R> = {}): Reduced<R> {
  const data = Float64Array.from(boxTerms(pred, target, 'giou_loss'), (b) => {
    const iou = b.inter / (b.union + 1e-6);
    return 1 - (iou - (b.enclosing - b.union) / (b.enclosing + 1e-6));
  });
  return reduce({ shape: [data.length], data }, opts) as Reduced<R>;
}

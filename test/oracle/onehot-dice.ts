// MONAI's DiceLoss(softmax=True, to_onehot_y=..., include_background=True, reduction='mean')
// in float64, written from its definition: per batch item b and class c, over the spatial
// positions p, 1 - (2·Σ_p s·y + smooth_nr) / (Σ_p s + Σ_p y + smooth_dr), where s = softmax of
// the logits over the classes, then the mean over (b, c). The target is class indices [B, P]
// (MONAI's to_onehot_y=True, one-hot along the class axis) or probabilities [B, C, P].

/** Logits x[b][c][p]; target indices t[b][p] or probabilities y[b][c][p]. */
export function monaiSoftmaxDice(x: number[][][], target: number[][] | number[][][], smoothNr = 1e-5, smoothDr = 1e-5): number {
  const B = x.length;
  const C = x[0]!.length;
  const P = x[0]![0]!.length;
  const asIndices = !Array.isArray((target as unknown[][])[0]![0]);
  const y = (b: number, c: number, p: number): number =>
    asIndices ? ((target as number[][])[b]![p] === c ? 1 : 0) : (target as number[][][])[b]![c]![p]!;
  let total = 0;
  for (let b = 0; b < B; b++) {
    // softmax over c at each p, with the max subtracted
    const s: number[][] = Array.from({ length: C }, () => new Array<number>(P).fill(0));
    for (let p = 0; p < P; p++) {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, x[b]![c]![p]!);
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(x[b]![c]![p]! - m);
      for (let c = 0; c < C; c++) s[c]![p] = Math.exp(x[b]![c]![p]! - m) / z;
    }
    for (let c = 0; c < C; c++) {
      let inter = 0;
      let pred = 0;
      let ground = 0;
      for (let p = 0; p < P; p++) {
        inter += s[c]![p]! * y(b, c, p);
        pred += s[c]![p]!;
        ground += y(b, c, p);
      }
      total += 1 - (2 * inter + smoothNr) / (ground + pred + smoothDr);
    }
  }
  return total / (B * C);
}

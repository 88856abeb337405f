// What the generated code does that a hand-written port does not: patterns looked for in the
// body of each generated function (build/stdlib/*.ts), each with the cost it has and what
// would remove it. The report names those found in a loss that runs slower than its baseline.

export interface Pattern {
  readonly id: string;
  /** How often the pattern occurs in a function body (0: absent). */
  readonly count: (body: string) => number;
  readonly cause: string;
  readonly fix: string;
  /** The kernels its cost shows up in, in a profile. */
  readonly kernels?: readonly string[];
}

const matches = (re: RegExp) => (body: string): number => body.match(new RegExp(re.source, 'g'))?.length ?? 0;

export const PATTERNS: readonly Pattern[] = [
  {
    id: 'nan-scan',
    kernels: ['IsNan', 'Any'],
    count: matches(/nanAt\(\w+\) !== undefined/),
    cause:
      'checkValues (on by default) scans every real input for NaN before the loss: an IsNan and an Any kernel over the whole input, then a blocking one-element read, per input and per call',
    fix: 'scan all inputs with one fused reduction and one read, or check the loss value instead (NaN propagates into it) and locate the bad input only when it is not finite; or make the scan opt-in for training loops',
  },
  {
    id: 'index-scan',
    count: matches(/dataSync<'int32'>\(\)/),
    cause: 'checkValues copies the class-index tensor back to JavaScript (dataSync) and range-checks it in a JS loop on every call',
    fix: 'range-check on the device (tf.min and tf.max of t, one two-element read), or only when asked',
  },
  {
    id: 'onehot-by-equal',
    kernels: ['Equal', 'Range', 'Cast', 'ExpandDims'],
    count: matches(/tf\.equal\(tf\.(expandDims|reshape)\(t, [^)]*\), (tf\.range\(|iota_)/),
    cause: 'class-index gathers and onehot(t) build the [.., C] mask as equal(t, range(C)) + cast (Range, Equal, Cast kernels and a bool intermediate) where a port uses one OneHot kernel',
    fix: 'emit tf.oneHot(t, C).toFloat() for the mask (t is never differentiated, so its gradient is not needed)',
  },
  {
    id: 'pairwise-broadcast',
    kernels: ['Sub', 'Square', 'Sum', 'Transpose', 'Tile'],
    count: matches(/tf\.sub\(tf\.reshape\(\w+, \[[^\]]*D, 1\]\), tf\.transpose/),
    cause:
      'pairwise distances are computed by broadcasting e[i] - e[j] to an [N, D, N] tensor, squaring and summing over D: D times the memory and work of the N×N result, and a gradient as large',
    fix: 'lower sum((x[i] - x[j])^2, D) to ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j with tf.matMul (an N×N Gram matrix), as torch.cdist does',
  },
  {
    id: 'dot-broadcast',
    kernels: ['Multiply', 'Sum', 'Transpose', 'Tile'],
    count: matches(/tf\.mul\(tf\.reshape\(\w+, \[[^\]]*D(, 1)+\]\), tf\.transpose/),
    cause: 'dot(a, b, D) over two different sample axes is a broadcast multiply to a tensor holding D (e.g. [V, N, D, V, N]) then a sum, instead of one matrix product',
    fix: 'lower dot products whose operands share only the contracted axis to tf.matMul (transposeB), reshaping [V, N, D] to [V·N, D]',
  },
  {
    id: 'softplus-pair',
    kernels: ['Softplus'],
    count: (body) => {
      const negOf = new Map([...body.matchAll(/const (neg\d+) = tf\.neg\((\w+)\);/g)].map((m) => [m[1]!, m[2]!]));
      return [...body.matchAll(/tf\.softplus\((neg\d+)\)/g)].filter((m) => body.includes(`tf.softplus(${negOf.get(m[1]!)})`)).length;
    },
    cause:
      'binary cross-entropy on logits, y·softplus(−x) + (1 − y)·softplus(x), computes softplus twice; Softplus is one of the slowest wasm kernels (about ten times a Multiply), and the usual form max(x, 0) − x·y + log1p(exp(−|x|)) has none',
    fix: 'rewrite the pair with softplus(−x) = softplus(x) − x to softplus(x) − x·y (one softplus; with pos_weight p: (1 + (p − 1)·y)·softplus(x) − p·x·y)',
  },
  {
    id: 'zero-times',
    kernels: ['Multiply', 'Softplus'],
    count: matches(/tf\.mul\(tf\.scalar\(0\), \w+\)/),
    cause:
      'a term multiplied by a constant 0 after inlining (a label-smoothing ε or a target of 1 or 0) is still computed: 0·x → 0 is not applied because it is wrong for infinite x',
    fix: 'fold 0·x when the interval analysis proves x finite (softplus of a finite logit, mean of a log_softmax), or when the constant comes from a default the caller did not override',
  },
  {
    id: 'duplicate-logsumexp',
    kernels: ['Max', 'Exp', 'Log', 'Sub', 'Sum'],
    count: (body) => {
      const calls = body.match(/tf\.logSumExp\(\w+, -?\d+, true\)/g) ?? [];
      return calls.length - new Set(calls).size;
    },
    cause: 'the same logsumexp over C is computed twice (the softmax of one term and the log_softmax of another are not shared)',
    fix: 'let CSE see softmax(x) as exp(log_softmax(x)) so both share one logsumexp',
  },
  {
    id: 'transpose-logits',
    kernels: ['Transpose'],
    count: matches(/tf\.transpose\(logSoftmax\d+, /),
    cause: 'the class-index gather on [N, C, H, W] transposes the full log-probabilities to [N, H, W, C] (a copy of the largest tensor, and another in the gradient)',
    fix: 'gather along the class axis where it is: compare t expanded at that axis with range(C) (or tf.oneHot transposed, the smaller int tensor), no transpose of the logits',
  },
  {
    id: 'where-scalar',
    kernels: ['Select', 'Tile'],
    count: matches(/tf\.where\([\w.()]+, (tf\.scalar\([^)]*\), \w+|\w+, tf\.scalar\([^)]*\))\)/),
    cause:
      'tf.where with a scalar branch: the wasm backend broadcasts the scalar on its slow path (tens of ms per 1e6 elements, where a select of two full-size tensors takes a few)',
    fix: 'select between full-size tensors, or write where(m, x, c) as mask arithmetic (x·m + c·(1 − m); a large finite negative instead of -inf for masked max)',
  },
  {
    id: 'broadcast-mask',
    kernels: ['NotEqual', 'Equal', 'LogicalOr', 'LogicalAnd', 'Range'],
    count: matches(/tf\.(notEqual|equal|logicalOr|logicalAnd)\(tf\.reshape\((iota_\w+|ne\d+|eq\d+|and\d+|or\d+), /),
    cause:
      'masks that depend only on positions (i != j, (w, b) != (v, a)) are built on every call by comparing ranges, or combining masks, that broadcast against each other; the wasm backend runs broadcasting comparisons and logical ops on its slow path (tens of ms per 1e6 elements)',
    fix: 'build position masks from tf.eye (or tf.oneHot of a range), which are fast, or once per shape and reuse them; broadcast in float arithmetic (Sub, Mul), which is fast, rather than in comparisons',
  },
  {
    id: 'max-with-constant',
    kernels: ['Maximum', 'Minimum', 'GreaterEqual', 'LessEqual'],
    count: matches(/tf\.(maximum|minimum)\((tf\.scalar\([^)]*\), \w+|\w+, tf\.scalar\([^)]*\))\)/),
    cause:
      'max/min against a constant is a Maximum/Minimum kernel, which the wasm backend runs without a fast path (a few ms per 1e6 elements, where a Multiply, Relu or ClipByValue takes about 0.1 ms); its gradient adds a comparison on the same slow path',
    fix: 'emit max(x, 0) as tf.relu and max/min against other constants as tf.clipByValue (one fast kernel), with a customGrad dy·step(x − c) where the gradient matters',
  },
  {
    id: 'masked-reduction',
    kernels: ['Select', 'Any'],
    count: matches(/tf\.where\(\w+, \w+, tf\.scalar\(-?Infinity\)\)/),
    cause: 'masked max/min/logsumexp reductions go through where(mask, x, ∓inf), then an any() over the mask and a second where for rows whose mask is empty',
    fix: 'drop the empty-row guard when the mask is provably non-empty, and use the mask-times-value forms for max/min of non-negative values',
  },
  {
    id: 'count-broadcast',
    kernels: ['Tile', 'Cast'],
    count: matches(/tf\.broadcastTo\(tf\.cast\(/),
    cause: 'the count of a masked mean is computed by broadcasting the mask to the full shape, casting and summing',
    fix: 'count on the mask before broadcasting and multiply by the size of the broadcast axes',
  },
  {
    id: 'column-slices',
    kernels: ['Slice', 'PadV2', 'Reshape'],
    count: (body) => ((body.match(/tf\.squeeze\(tf\.slice\(/g)?.length ?? 0) >= 4 ? body.match(/tf\.squeeze\(tf\.slice\(/g)!.length : 0),
    cause: 'each named component (b.x1, b.y1, ...) is its own tf.slice + squeeze, and in the gradient each slice becomes a pad of the whole tensor (PadV2) that is then summed',
    fix: 'split the component axis once with tf.unstack (one Unpack kernel, and one Pack in the gradient) and pick the components from it',
  },
  {
    id: 'pow-for-sqrt',
    kernels: ['Pow'],
    count: matches(/tf\.pow\(\w+, tf\.scalar\(0\.5\)\)/),
    cause: 'x^(1/2) is emitted as tf.pow, several times slower than tf.sqrt on wasm, and so is its gradient',
    fix: 'emit ^0.5 as tf.sqrt (and ^2 as tf.square)',
  },
  {
    id: 'pow-runtime-exponent',
    kernels: ['Pow'],
    count: matches(/tf\.pow\(abs\d+, tf\.scalar\(p\)\)/),
    cause: '|x|^p with the exponent p a run-time option uses tf.pow even for the default p = 2',
    fix: 'specialise p = 1 and p = 2 at call time (abs, square)',
  },
  {
    id: 'both-branches',
    count: matches(/tf\.where\(tf\.scalar\(\w+, 'bool'\)/),
    cause: 'an if on a bool option computes both branches and picks one with tf.where (e.g. the swap distance d(p, n) is always computed)',
    fix: 'emit a JavaScript if for conditions that depend on options only',
  },
  {
    id: 'safe-norm',
    kernels: ['Equal', 'Select'],
    count: matches(/noGrad\(\(\) => tf\.equal\(sum\d+, tf\.scalar\(0\)\)\)/),
    cause: 'the safe-norm rewrite (a zero gradient at distance 0) adds an Equal and two Select kernels around each sqrt',
    fix: 'one tf.customGrad sqrt whose gradient is 0 where its input is 0',
  },
  {
    id: 'double-floor',
    kernels: ['Maximum', 'GreaterEqual'],
    count: matches(/tf\.maximum\(log\d+, tf\.scalar\(-100\)\)/),
    cause: "torch's log floor, max(log(max(p, 1e-44)), -100), is two Maximum kernels per log (slow on wasm, see max-with-constant)",
    fix: 'the same value with one clip: log(clipByValue(p, e^-100, 1)) (e^-100 ≈ 3.7e-44 is a float32 subnormal)',
  },
  {
    id: 'stable-form',
    kernels: ['Softplus', 'Abs'],
    count: matches(/tf\.softplus\(tf\.mul\(tf\.scalar\(-2\)|tf\.mul\(tf\.scalar\(-2\), abs\d+\)/),
    cause: "the stable form of log(cosh(e)), |e| + softplus(−2|e|) − log 2, is three more elementwise kernels than the tutorial's log(cosh(e)), which overflows to inf for |e| > 89: a deliberate trade",
    fix: 'keep it (correctness), or fuse it into one custom op whose gradient is tanh(e)',
  },
  {
    id: 'detach-clone',
    kernels: ['Identity'],
    count: matches(/noGrad\(\(\) => tf\.clone\(/),
    cause: 'detach(x) copies x (clone inside a customGrad)',
    fix: 'a customGrad that returns x itself with a zero gradient',
  },
];

/** The body of the generated function `name` (its implementation, after the overloads). */
export function functionBody(moduleText: string, name: string): string | undefined {
  const lines = moduleText.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`export function ${name}(`) && l.trimEnd().endsWith('{'));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l === '}');
  return lines.slice(start, end < 0 ? undefined : end + 1).join('\n');
}

// The PyTorch emitter: lowered losses → one Python module for PyTorch, the third reading of
// the one lowering (src/lower) after the TypeScript module and the live evaluator. Each loss
// gives: the lowered body (`_<loss>(…, options)`, read by the Python interpreter,
// pytorch-interp.ts); the public function, tensor inputs positional and options as keyword
// arguments with their defaults, type hints and a docstring; and a torch.nn.Module holding
// the hyperparameters and the learnable parameters as nn.Parameters. Differentiated by the
// compiler's own backward pass inside a torch.autograd.Function (rt.custom_grad), as the
// TypeScript module does inside a tf.customGrad, unless the unit asks for torch's autograd.
// The module imports torch and the runtime written beside it (lossc_torch.py).

import { listTypeText } from '../lower/lists.js';
import { differentiate } from '../grad/index.js';
import { boundaryAxes, restNote } from '../ir/axes.js';
import { REDUCTION_LIST } from '../ir/reduction.js';
import { enumText } from '../ir/enum-text.js';
import type { Axis, IrFunction, IrInput } from '../ir/types.js';
import { lowerLoss, optionKeys } from '../lower/loss.js';
import { unionNote } from '../lower/union.js';
import { describeElem } from '../lower/signature.js';
import type { CostBackend } from '../opt/op-costs.js';
import { pascalCase, Scope } from './names.js';
import { PythonInterp, pyName, pyNumber, pyString } from './pytorch-interp.js';

export interface PytorchUnit {
  /** The source file the losses came from, for the header. */
  readonly file: string;
  readonly doc?: string;
  readonly losses: readonly IrFunction[];
  /** Differentiate with torch's autograd through every op instead of the compiler's backward pass. */
  readonly autodiff?: boolean;
  readonly target?: CostBackend;
}

/** The runtime module every generated module imports, written beside it. */
export const TORCH_RUNTIME_FILE = 'lossc_torch.py';

const PY_KEYWORDS = [
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case',
];
/** Module-level and built-in names generated code relies on: no user name may take one. */
const PY_USED = ['rt', 'torch', 'math', 'len', 'list', 'range', 'isinstance', 'tuple', 'dict', 'float', 'int', 'bool', 'str', 'super', 'self', 'options', 'unknown', 'Optional', 'Union', 'Sequence', 'Callable', 'List', 'TensorLike', 'print', 'type', 'object', 'fn'];
export const PY_RESERVED: readonly string[] = [...PY_KEYWORDS, ...PY_USED];

/** What torch.nn.Module itself has: an attribute of one of these names would break it (`self.training`). */
const NN_MODULE_NAMES = [
  'forward', 'training', 'train', 'eval', 'parameters', 'named_parameters', 'buffers', 'named_buffers', 'children', 'named_children',
  'modules', 'named_modules', 'state_dict', 'load_state_dict', 'to', 'cuda', 'cpu', 'float', 'double', 'half', 'bfloat16', 'zero_grad',
  'apply', 'register_buffer', 'register_parameter', 'register_module', 'add_module', 'get_parameter', 'get_submodule', 'extra_repr',
  'requires_grad_', 'share_memory', 'dump_patches', 'call_super_init', 'xpu', 'ipu', 'to_empty', 'get_buffer', 'get_extra_state',
  'set_extra_state',
];

const shapeText = (axes: readonly Axis[]): string => `[${axes.map((a) => a.dim).join(', ')}]`;

/** Text inside a """docstring""": backslashes and triple quotes escaped. */
const docText = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');

const positionalOf = (fn: IrFunction): readonly string[] => fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);

interface KeywordArg {
  /** The option key (the lowering's) and the Python parameter name. */
  readonly key: string;
  readonly name: string;
  readonly hint: string;
  readonly dflt: string;
  readonly doc: string;
}

function keywordArgs(fn: IrFunction, scope: Scope): KeywordArg[] {
  const args: KeywordArg[] = [];
  for (const h of fn.hypers) {
    if (h.values) {
      // A str, one of the declared strings (checked by the lowering's option checks).
      const dflt = h.default === undefined ? 'None' : pyString(h.values[h.default]!);
      args.push({ key: h.name, name: scope.claim(h.name), hint: h.default === undefined ? 'Optional[str]' : 'str', dflt, doc: `hyperparameter, one of ${enumText(h.values)}, ${h.default === undefined ? 'required' : `default ${dflt}`}` });
      continue;
    }
    const hint = h.elem === 'bool' ? 'bool' : h.elem === 'int' ? 'int' : 'float';
    const dflt = h.default === undefined ? 'None' : h.elem === 'bool' ? (h.default !== 0 ? 'True' : 'False') : pyNumber(h.default);
    const domain = h.domain ? `; must lie in ${h.domain.text}` : '';
    args.push({ key: h.name, name: scope.claim(h.name), hint: h.default === undefined ? `Optional[${hint}]` : hint, dflt, doc: `hyperparameter (${h.elem}), ${h.default === undefined ? 'required' : `default ${dflt}`}${domain}` });
  }
  for (const i of fn.inputs.filter((x) => x.default !== undefined)) {
    const what = i.learnable ? 'learnable parameter (the nn.Module holds it as an nn.Parameter)' : 'optional input';
    args.push({ key: i.name, name: scope.claim(i.name), hint: 'Optional[TensorLike]', dflt: 'None', doc: `${what}, shape ${shapeText(i.axes)}, ${describeElem(i)}; left out, ${typeof i.default === 'number' ? `${pyNumber(i.default)} everywhere` : `${i.default!.input} (the same tensor: a gradient with respect to ${i.default!.input} counts both uses)`}` });
  }
  if (fn.reduction) {
    const ps = boundaryAxes(fn, fn.reduction.perSample);
    args.push(
      { key: 'reduction', name: scope.claim('reduction'), hint: 'str', dflt: pyString(fn.reduction.kind), doc: `how the per-sample losses ${shapeText(ps)} are combined: ${REDUCTION_LIST} ('none' returns them; see docs/language.md)` },
      { key: 'weights', name: scope.claim('weights'), hint: 'Optional[TensorLike]', dflt: 'None', doc: `per-sample weights, shape ${shapeText(ps)} or a leading part of it; 'mean' then divides by the sum of the broadcast weights${fn.reduction.denominator !== undefined ? " times each loss's denominator (a mean divided by the sum of 'by:')" : ''}` },
    );
  }
  if (optionKeys(fn).includes('blockRows')) {
    args.push({ key: 'blockRows', name: scope.claim('blockRows'), hint: 'Optional[int]', dflt: 'None', doc: 'rows per block of the tiled computation (docs/language.md, Tiling); None: as many as keep a block under 16 MB' });
  }
  args.push({ key: 'checkValues', name: scope.claim('checkValues'), hint: 'bool', dflt: 'True', doc: 'scan the inputs for NaN, values outside their domains and class indices out of range' });
  if ((fn.functions ?? []).length === 0) {
    args.push({ key: 'checkFinite', name: scope.claim('checkFinite'), hint: 'bool', dflt: 'False', doc: 'raise when the loss holds NaN or an infinity, saying where it first appears (reads every intermediate: for debugging)' });
  }
  const keys = args.map((a) => a.key).join();
  if (keys !== optionKeys(fn).join()) throw new Error(`internal: ${fn.name}: the keyword arguments and the accepted option keys differ`);
  return args;
}

function inputDoc(i: IrInput): string {
  const elem = i.elem === 'real' ? 'float32 (or float64)' : describeElem(i).replace('int32', 'int64');
  if (i.list) return `${listTypeText(i)}: a list of ${i.axes[0]!.dim} tensors of shape ${shapeText(i.axes.slice(1))}${restNote(i.axes.slice(1))}, ${elem}${i.domain ? `, values in ${i.domain.text}` : ''}, stacked along ${i.axes[0]!.dim} (torch.stack)`;
  return `shape ${shapeText(i.axes)}${restNote(i.axes)}, ${elem}${i.domain ? `, values in ${i.domain.text}` : ''}${unionNote(i, 'int64')}`;
}

/** One loss: its lowered body, public function and nn.Module, as Python text. */
function emitLoss(fn: IrFunction, moduleScope: Scope, autodiff: boolean): { text: string; exports: string[] } {
  const publicName = moduleScope.claim(fn.name);
  const implName = moduleScope.claim(`_${fn.name}`);
  const className = moduleScope.claim(`${pascalCase(fn.name)}Loss`);

  // The lowered body.
  const scope = new Scope(PY_RESERVED);
  const positional = positionalOf(fn);
  const params = new Map(positional.map((name) => [name, scope.claim(name)] as const));
  const I = new PythonInterp(scope);
  const result = lowerLoss(I, fn, { args: new Map([...params].map(([n, local]) => [n, pyName(local)] as const)), options: pyName('options', true), self: pyName(implName) }, { autodiff });
  const body = [...I.lines, `return ${result.text}`];
  const impl = [`def ${implName}(${[...params.values(), 'options'].join(', ')}):`, ...body.map((l) => (l === '' ? '' : `    ${l}`))];

  // The public function.
  const sigScope = new Scope(PY_RESERVED);
  const args = positional.map((name) => ({ name, local: sigScope.claim(name) }));
  const keywords = keywordArgs(fn, sigScope);
  const hintOf = (name: string): string =>
    fn.functions?.some((f) => f.name === name) ? 'Callable[[torch.Tensor], Union[torch.Tensor, List[torch.Tensor]]]' : fn.inputs.some((i) => i.name === name && i.list) ? 'Sequence[TensorLike]' : 'TensorLike';
  const signature = [...args.map((a) => `${a.local}: ${hintOf(a.name)}`), '*', ...keywords.map((k) => `${k.name}: ${k.hint} = ${k.dflt}`), '**unknown'].join(', ');
  const argDocs = [
    ...args.map((a) => {
      const f = fn.functions?.find((x) => x.name === a.name);
      return `${a.local}: ${f ? `a function from ${shapeText(f.param)} to ${shapeText(f.result)} (or to a list of such tensors: the loss is then their mean)` : inputDoc(fn.inputs.find((i) => i.name === a.name)!)}`;
    }),
    ...keywords.map((k) => `${k.name}: ${k.doc}`),
  ];
  const outAxes = boundaryAxes(fn, fn.output);
  const returns = fn.reduction
    ? `the ${fn.reduction.kind} of the per-sample losses ${shapeText(boundaryAxes(fn, fn.reduction.perSample))} (a scalar), or with reduction='none' the per-sample losses`
    : outAxes.length === 0 ? 'the loss, a scalar' : `the loss, shape ${shapeText(outAxes)}`;
  const doc = [
    ...(fn.doc ? [...fn.doc.trim().split('\n'), ''] : []),
    ...fn.formula.split('\n').map((l) => `    ${l}`),
    '',
    'Args:',
    ...argDocs.map((d) => `    ${d}`),
    '',
    'Returns:',
    `    ${returns}`,
    '',
    'Raises:',
    '    TypeError, ValueError: arguments of the wrong kind, shape, dtype or domain (the messages name the argument)',
  ];
  const floatArgs = [...args.filter((a) => !fn.functions?.some((f) => f.name === a.name)).map((a) => a.local), ...keywords.filter((k) => k.hint === 'Optional[TensorLike]').map((k) => k.name)];
  const realNames = new Set([...fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name), 'weights']);
  const widen = [...args.filter((a) => realNames.has(a.name)).map((a) => a.local), ...keywords.filter((k) => k.hint === 'Optional[TensorLike]' && realNames.has(k.key)).map((k) => k.name)];
  const optionsDict = `{${[...keywords.map((k) => `${pyString(k.key)}: ${k.name}`), '**unknown'].join(', ')}}`;
  const publicFn = [
    `def ${publicName}(${signature}) -> torch.Tensor:`,
    `    """${docText(doc.join('\n')).split('\n').join('\n    ').replace(/\n {4}\n/g, '\n\n')}`,
    '    """',
    ...(widen.length > 0 ? [`    ${widen.join(', ')} = ${widen.map((w) => `rt.widened(${w})`).join(', ')}`] : []),
    `    options = ${optionsDict}`,
    `    with rt.floats_of(${floatArgs.join(', ')}${floatArgs.length === 1 ? ',' : ''}):`,
    `        return ${implName}(${[...args.map((a) => a.local), 'options'].join(', ')})`,
  ];

  // The nn.Module.
  const modScope = new Scope([...PY_RESERVED, ...NN_MODULE_NAMES]);
  const learnable = fn.inputs.filter((i) => i.learnable);
  const dims = [...new Set(learnable.flatMap((i) => i.axes.map((a) => a.dim)))].filter((d) => !/^\d+$/.test(d));
  const dimNames = new Map(dims.map((d) => [d, modScope.claim(d)] as const));
  const held = keywords.filter((k) => k.key !== 'weights' && !fn.inputs.some((i) => i.name === k.key && i.default !== undefined));
  const heldNames = held.map((k) => ({ ...k, attr: modScope.claim(k.name) }));
  const optional = keywords.filter((k) => fn.inputs.some((i) => i.name === k.key && i.default !== undefined && !i.learnable));
  const forwardParams = [...args.map((a) => `${a.local}: ${hintOf(a.name)}`), ...(fn.reduction ? ['weights: Optional[TensorLike] = None'] : []), ...optional.map((k) => `${k.name}: Optional[TensorLike] = None`)];
  const callArgs = [
    ...args.map((a) => a.local),
    ...heldNames.map((k) => `${k.name}=self.${k.attr}`),
    ...learnable.map((i) => `${keywords.find((k) => k.key === i.name)!.name}=self.${keywords.find((k) => k.key === i.name)!.name}`),
    ...(fn.reduction ? ['weights=weights'] : []),
    ...optional.map((k) => `${k.name}=${k.name}`),
  ];
  const initParams = ['self', ...(dims.length + heldNames.length > 0 ? ['*'] : []), ...dims.map((d) => `${dimNames.get(d)}: int`), ...heldNames.map((k) => `${k.name}: ${k.hint} = ${k.dflt}`)];
  const classDoc = [
    `${publicName} as a torch.nn.Module: the options fixed when it is made${learnable.length > 0 ? `, the learnable parameters (${learnable.map((i) => `${i.name} ${shapeText(i.axes)} = ${pyNumber(i.default as number)}`).join(', ')}) held as nn.Parameters, so an optimizer of the module's parameters trains them` : ''}; forward takes the tensor inputs${fn.reduction ? ' and optional per-sample weights' : ''}.`,
    ...(dims.length > 0 ? ['', `Dimensions of the parameters: ${dims.join(', ')}.`] : []),
  ];
  const cls = [
    `class ${className}(torch.nn.Module):`,
    `    """${docText(classDoc.join('\n')).split('\n').join('\n    ').replace(/\n {4}\n/g, '\n\n')}"""`,
    '',
    `    def __init__(${initParams.join(', ')}):`,
    '        super().__init__()',
    ...heldNames.map((k) => `        self.${k.attr} = ${k.name}`),
    ...learnable.map((i) => `        self.${keywords.find((k) => k.key === i.name)!.name} = torch.nn.Parameter(torch.full([${i.axes.map((a) => (/^\d+$/.test(a.dim) ? a.dim : dimNames.get(a.dim))).join(', ')}], ${pyNumber(i.default as number)}, dtype=torch.get_default_dtype()))`),
    '',
    `    def forward(${['self', ...forwardParams].join(', ')}) -> torch.Tensor:`,
    `        return ${publicName}(${callArgs.join(', ')})`,
  ];
  return { text: [...impl, '', '', ...publicFn, '', '', ...cls].join('\n'), exports: [publicName, className] };
}

/** The Python module of `unit`. */
export function emitPytorchModule(unit: PytorchUnit): string {
  const autodiff = unit.autodiff === true;
  const ready = (fn: IrFunction): IrFunction => (autodiff ? fn : (differentiate(fn, unit.target ? { target: unit.target } : {}).fn ?? fn));
  const moduleScope = new Scope(PY_RESERVED);
  const losses = unit.losses.map((fn) => emitLoss(ready(fn), moduleScope, autodiff));
  const header = [
    `# Generated by lossc from ${unit.file.split(/\r\n|\r|\n/).join(' ')}. Do not edit: change the .loss source and recompile.`,
    ...(unit.doc ? [`"""${docText(unit.doc.trim())}"""`] : []),
    '',
    'import math',
    'from typing import Callable, List, Optional, Sequence, Union',
    '',
    'import torch',
    '',
    '# The runtime lossc writes beside this module: as a package member, or on sys.path.',
    'try:',
    '    from . import lossc_torch as rt',
    'except ImportError:',
    '    import lossc_torch as rt',
    '',
    'TensorLike = Union[torch.Tensor, float, int, bool, Sequence]',
    '',
    `__all__ = [${losses.flatMap((l) => l.exports).map(pyString).join(', ')}]`,
  ];
  return [...header, '', '', losses.map((l) => l.text).join('\n\n\n'), ''].join('\n').replace(/\n{4,}/g, '\n\n\n').replace(/[ \t]+\n/g, '\n');
}

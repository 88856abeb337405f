// Every diagnostic lossc can report, in one table. Codes are a contract (tools and tests match
// on them): a letter for the severity, E an error, W a warning and I a note, then four digits whose
// first is the phase: 1 syntax, 2 names and definitions, 3 types and calls, 4 shapes and
// axes, 5 domains and defaults, 6 numeric stability (src/stability; all warnings), 7
// evaluation and command line, 9 internal. A code keeps its number when its severity changes
// (E1016 became W1016), and the number of a removed code is not reused (E4010, E7009).
// Every code is raised somewhere; test/diagnostics.test.ts holds a case for each, and
// docs/diagnostics.md lists them. `{name}` placeholders are filled from the report's args.

export type Severity = 'error' | 'warning' | 'info';

export interface DiagnosticDef {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
}

export const DIAGNOSTICS = {
  // --- syntax -------------------------------------------------------------------------------
  UnexpectedCharacter: { code: 'E1001', severity: 'error', message: "unexpected character '{char}'" },
  UnterminatedString: { code: 'E1002', severity: 'error', message: 'unterminated string: a closing {quote} is missing on this line' },
  UnterminatedComment: { code: 'E1003', severity: 'error', message: "unterminated block comment: '*/' is missing" },
  UnexpectedToken: { code: 'E1010', severity: 'error', message: 'expected {expected} but found {found}' },
  UnexpectedEnd: { code: 'E1011', severity: 'error', message: 'expected {expected} but the file ended' },
  ExpectedDefinition: { code: 'E1012', severity: 'error', message: "expected 'loss', 'def', 'dim' or 'import' at the top level but found {found}" },
  TrailingInput: { code: 'E1013', severity: 'error', message: 'unexpected {found} after the end of the expression' },
  ChainedComparison: { code: 'E1014', severity: 'error', message: "comparisons do not chain: write 'a < b and b < c' instead of 'a < b < c'" },
  BadNumber: { code: 'E1015', severity: 'error', message: "'{text}' is not a number" },
  MisplacedDocComment: { code: 'W1016', severity: 'warning', message: "a '///' doc comment must stand directly above a 'loss', 'def' or 'dim'" },
  BadShapeEntry: { code: 'E1017', severity: 'error', message: "'{text}' cannot be a dimension: a shape entry is a name, '...' or a whole number" },
  ListLength: { code: 'E1019', severity: 'error', message: "a list's length is one dimension, a name or a whole number (list[K] of [N, C]), not {given}" },
  ListElement: { code: 'E1020', severity: 'error', message: "a list's elements are tensors of one shape ([N, C], int[N], bool[N], index[N] of C), not {what}" },
  TooDeeplyNested: { code: 'E1018', severity: 'error', message: 'this expression nests too deeply to parse; split it with where-bindings' },

  // --- names and definitions ------------------------------------------------------------------
  UnknownName: { code: 'E2001', severity: 'error', message: "unknown name '{name}'{hint}" },
  UnknownFunction: { code: 'E2002', severity: 'error', message: "unknown function '{name}'{hint}" },
  DuplicateDefinition: { code: 'E2003', severity: 'error', message: "'{name}' is already defined at line {line}" },
  DuplicateParameter: { code: 'E2004', severity: 'error', message: "parameter '{name}' is declared twice" },
  DuplicateBinding: { code: 'E2005', severity: 'error', message: "'{name}' is already bound in this scope at line {line}" },
  CyclicDefinition: { code: 'E2006', severity: 'error', message: "'{name}' depends on itself: {cycle}" },
  UnknownImport: { code: 'E2007', severity: 'error', message: "module '{module}' has no definition named '{name}'" },
  ModuleNotFound: { code: 'E2008', severity: 'error', message: "cannot find module '{module}' (looked for {path})" },
  ShadowsBuiltin: { code: 'E2009', severity: 'error', message: "'{name}' is a builtin function and cannot be redefined" },
  UnknownDimension: { code: 'E2010', severity: 'error', message: "unknown dimension '{name}': it is not in any parameter's shape" },
  UnknownComponent: { code: 'E2011', severity: 'error', message: "'{name}' is not a component of dimension {dim} (components: {components})" },
  NotAFunction: { code: 'E2012', severity: 'error', message: "'{name}' is a value, not a function" },
  FunctionAsValue: { code: 'E2013', severity: 'error', message: "'{name}' is a function; call it with arguments" },
  UnusedBinding: { code: 'W2014', severity: 'warning', message: "'{name}' is bound but never used" },
  ReservedName: { code: 'E2015', severity: 'error', message: "'{name}' is reserved in generated code and cannot name a {what}" },
  DuplicateEnumValue: { code: 'E2016', severity: 'error', message: "{value} is listed twice among the strings of '{name}'" },

  // --- types and calls -------------------------------------------------------------------------
  WrongArity: { code: 'E3001', severity: 'error', message: "'{name}' takes {expected} but was given {given}" },
  UnknownNamedArgument: { code: 'E3002', severity: 'error', message: "'{name}' has no argument named '{arg}'{hint}" },
  DuplicateArgument: { code: 'E3003', severity: 'error', message: "argument '{arg}' is given twice" },
  TypeMismatch: { code: 'E3004', severity: 'error', message: '{what} must be {expected}, but it is {actual}' },
  IndexExpected: { code: 'E3005', severity: 'error', message: "'{name}' expects class indices {expected}, but was given a {actual} tensor: pass the class index of each sample (argmax of a one-hot target), not the one-hot encoding" },
  FlagNotConstant: { code: 'E3019', severity: 'error', message: "'{name}' of {what} must be true or false, written out: the order is fixed when the loss is compiled" },
  NotAnAxis: { code: 'E3006', severity: 'error', message: '{what} must name an axis of the operand (one of {axes})' },
  PositionalAfterNamed: { code: 'E3007', severity: 'error', message: 'a positional argument cannot follow a named one' },
  NotBoolean: { code: 'E3008', severity: 'error', message: '{what} must be a condition (bool), but it is {actual}' },
  IntegerExpected: { code: 'E3009', severity: 'error', message: '{what} must be a whole number, but it is {actual}' },
  ListUnsupported: { code: 'E3018', severity: 'error', message: "'{name}' cannot be a list: {why}" },
  UnsupportedConstruct: { code: 'E3010', severity: 'error', message: '{what} is not supported yet' },
  LossNotScalar: { code: 'W3011', severity: 'warning', message: "loss '{name}' returns a tensor with axes [{axes}], not a single number: reduce it with mean or sum if a scalar is meant" },
  MissingType: { code: 'E3013', severity: 'error', message: "parameter '{name}' of loss '{loss}' needs a type, e.g. '{name}: [N]' or '{name}: real = 1'" },
  NotNumeric: { code: 'E3014', severity: 'error', message: '{what} must be a number, but it is {actual}' },
  UnknownEnumValue: { code: 'E3015', severity: 'error', message: '{value} is not one of the strings of {what}: {values}{hint}' },
  EnumMisuse: { code: 'E3016', severity: 'error', message: '{what} is one of the strings {values}: compare it with == or != to one of them, or pass it to a parameter of the same strings' },
  StringMisuse: { code: 'E3017', severity: 'error', message: 'the string {value} can only be compared with == or != to a hyperparameter of strings (act: \'sigmoid\' | \'softmax\'), or passed to a parameter of strings' },
  BadTuple: { code: 'E3012', severity: 'error', message: 'a tuple can only list axes of a reduction or be compared with another tuple of the same length' },

  // --- shapes and axes -------------------------------------------------------------------------
  AxisSizeMismatch: { code: 'E4001', severity: 'error', message: '{what}: dimension {a} and dimension {b} would have to be the same size, but they are different dimensions' },
  ArgumentShapeMismatch: { code: 'E4002', severity: 'error', message: "argument {index} of '{name}' has axes [{actual}] but parameter '{param}' expects [{expected}]" },
  RestPlaceUnknown: { code: 'E4035', severity: 'error', message: "{name}, made by flatten(..., ..., {name}) of a value whose order does not place the '...' dims (its operands place them differently, or none has all its axes), has no place among the axes [{axes}], but they are taken by position here: name them (a binding's left side), or pass the operand of flatten through a def whose pattern places its '...'" },
  SortKeyAxes: { code: 'E4034', severity: 'error', message: "{what}: the 'by:' key has no axis {axis}, so it would order nothing (its axes are [{key}])" },
  AxisNotPresent: { code: 'E4003', severity: 'error', message: '{what}: the operand has no axis {axis} (its axes are [{axes}])' },
  TooManyIndices: { code: 'E4004', severity: 'error', message: '{indices} for a tensor with {axes}' },
  IndexVariableClash: { code: 'E4005', severity: 'error', message: "index variable '{name}' already ranges over {dim}, not {other}" },
  UnboundIndexVariable: { code: 'E4006', severity: 'error', message: "index variable '{name}' on the left is not an axis of the right-hand side (its axes are [{axes}])" },
  ExtraAxisInBinding: { code: 'E4007', severity: 'error', message: "the right-hand side has axes [{extra}] that are not listed on the left in '{name}[{vars}]'" },
  GatherAxisMissing: { code: 'E4008', severity: 'error', message: 'cannot gather by a class index of {dim}: the tensor has no axis {dim} (its axes are [{axes}])' },
  RestDimPosition: { code: 'E4009', severity: 'error', message: "'...' may come only once in a shape: two groups of any number of dims could split the dims either way" },
  IndexVariableWithoutSize: { code: 'E4012', severity: 'error', message: "index variable '{name}' has no size yet: index a tensor with it (e.g. 'x[{name}]') before using it as a value, or declare the dim it ranges over on the binding's left side ('keep[{name}: C] = ...')" },
  DiagonalIndex: { code: 'E4013', severity: 'error', message: "'{name}' indexes two axes of the same tensor (a diagonal)" },
  DuplicateDim: { code: 'E4011', severity: 'error', message: "dimension '{name}' appears twice in one shape; use index variables for a square matrix" },
  MaskAddsAxes: { code: 'E4014', severity: 'error', message: "the 'where:' mask of {what} has axes [{extra}] that its operand [{axes}] does not have: a mask selects among the operand's elements and cannot add axes{hint}" },
  DenominatorAddsAxes: { code: 'E4040', severity: 'error', message: "the 'by:' denominator of {what} has axes [{extra}] that its operand [{axes}] does not have: each element adds its own denominator, so it cannot have more of them" },
  OuterProductOfCopies: { code: 'W4015', severity: 'warning', message: '{what} combines [{a}] with [{b}], copies of {dim} that share no index variable: the result has all of them, an outer product{hint}' },
  OrderNotDeclared: { code: 'W4016', severity: 'warning', message: 'axes {names} of [{axes}] are taken by position, but no declaration orders them (the value combines several operands): they are taken in the order the loss declares their dims; index the operands themselves instead' },
  ResultShapeMismatch: { code: 'E4018', severity: 'error', message: "the value of '{name}' has axes [{actual}], but its declared result is [{declared}]" },
  OptionalInputUnsized: { code: 'E4019', severity: 'error', message: "optional input '{name}' is left out, but no argument given fixes its dimension {dim}: pass '{name}'" },
  DefLocalAxis: { code: 'E4017', severity: 'error', message: "'{name}' would return axis {axis}, a copy of {dim} made inside it: a def's result has the axes of its arguments; reduce {axis}, or make it one of the arguments' axes" },
  FlattenRepeatedAxis: { code: 'E4030', severity: 'error', message: 'flatten lists axis {axis} twice: each axis is merged once' },
  FlattenDimClash: { code: 'E4031', severity: 'error', message: "the merged axis {name} would have size {product}, but {name} is already {was}: give the merged axis a name of its own" },
  FlattenRest: { code: 'E4032', severity: 'error', message: "flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself (the operand's axes are [{axes}])" },
  FlattenRestTwice: { code: 'E4041', severity: 'error', message: "{fname} lists '...' twice: it stands for all the rest axes, one block in the merged order, so it is written once" },
  RaggedListUse: { code: 'E4036', severity: 'error', message: 'this cannot be computed one element of a ragged list at a time: {why}' },
  ResizeUse: { code: 'E4037', severity: 'error', message: 'resize(x, like: z{mode}): {why}' },
  UnflattenUnsized: { code: 'E4033', severity: 'error', message: "unflatten cannot split {axis} into {name}: the size of {name} is not known here (it must be a dim of the loss's inputs, a literal size, or made by flatten or stack)" },

  // --- domains and defaults ------------------------------------------------------------------
  DefaultNotConstant: { code: 'E5001', severity: 'error', message: "the default of '{name}' must be a constant number" },
  DefaultOutsideDomain: { code: 'E5002', severity: 'error', message: "the default {value} of '{name}' is outside its domain {domain}" },
  DefaultOnTensor: { code: 'E5003', severity: 'error', message: "the default of tensor parameter '{name}' must be a constant number, which fills it, or an input declared before it" },
  DefaultWrongType: { code: 'E5004', severity: 'error', message: "the default {value} of '{name}' is not {expected}" },
  EmptyDomain: { code: 'E5005', severity: 'error', message: 'the domain {domain} is empty' },
  DomainNotConstant: { code: 'E5006', severity: 'error', message: 'the bounds of a domain must be constant numbers' },
  ArgumentOutsideDomain: { code: 'W5007', severity: 'warning', message: "argument for '{param}' of '{name}' may lie outside its domain {domain}: {why}" },
  ProbabilityAsLogits: { code: 'W5011', severity: 'warning', message: "argument for '{param}' of '{name}' is a probability (it ranges over {range}), but '{name}' takes logits there: it applies {op} to it" },
  BroadcastDimUnfixed: { code: 'E5011', severity: 'error', message: "dimension {dim} of broadcast input '{name}' must also be in the shape of an input that does not broadcast, which fixes its size" },
  IgnoreNotHyper: { code: 'E5013', severity: 'error', message: "'ignore {name}' of '{input}' must name an int hyperparameter of the loss (e.g. '{name}: int = -100'), but {actual}" },
  IgnoreMismatch: { code: 'E5014', severity: 'error', message: "the class indices given for '{input}' of '{name}' ignore a value of their own, and '{input}' ignores '{hyper}': pass that value as '{hyper}' so both ignore the same positions" },
  UnionShapes: { code: 'E5020', severity: 'error', message: "the two forms of '{name}' do not fit: its probabilities {probs} must be the shape of its class indices {indices} with one axis of {of} added" },
  UnionUnsupported: { code: 'E5021', severity: 'error', message: "'{name}' cannot be class indices or probabilities here: {why}" },
  DefaultInputUnfit: { code: 'E5023', severity: 'error', message: "optional input '{name}' cannot default to '{other}': {why}" },
  DefaultInputOrder: { code: 'E5024', severity: 'error', message: "optional input '{name}' cannot default to '{other}': {why}; a default may name only an input declared before it" },
  UnionOneClass: { code: 'E5025', severity: 'error', message: "'{name}' cannot be class indices of 1: with one class every index is 0 and its one-hot row all 1, so the labels would be lost and only the probabilities form means anything; declare '{name}: {probs}' alone (0/1 labels given as numbers), or labels of two classes as 'of 2' with two channels" },
  UnionDimUnfixed: { code: 'E5022', severity: 'error', message: "dimension {dim} of '{name}' must also be in the shape of an input of one type, which fixes its size ('{name}' comes as class indices or as probabilities, of two shapes)" },
  BroadcastWithRest: { code: 'E5012', severity: 'error', message: "broadcast input '{name}' cannot have '...' dims: write its dims out" },
  DimOnlyInOptional: { code: 'E5009', severity: 'error', message: "dimension {dim} of '{name}' must also be in the shape of a required input, which fixes its size" },
  LearnableWithoutInit: { code: 'E5010', severity: 'error', message: "learnable parameter '{name}' needs an initial value, e.g. 'param {name}: [T] = 0'" },
  RequiredAfterDefault: { code: 'E5008', severity: 'error', message: "parameter '{name}' has no default but follows '{after}', which has one, so no call could give it by position: move it before '{after}'" },

  // --- numeric stability (src/stability): {trigger} names inputs that trigger it; the fix is a note
  LogOfZero: { code: 'W6001', severity: 'warning', message: '{expr}: log of a value that can be 0: {trigger}' },
  OutsideOpDomain: { code: 'W6002', severity: 'warning', message: '{expr}: {op} of a value that can be {bad}: {trigger}' },
  DivisionByZero: { code: 'W6003', severity: 'warning', message: '{expr}: division by a value that can be 0: {trigger}' },
  EmptyMask: { code: 'W6004', severity: 'warning', message: '{expr}: {what} when the mask selects nothing: {trigger}' },
  Float32Overflow: { code: 'W6005', severity: 'warning', message: '{expr}: {op} overflows float32 above {limit}: {trigger}' },
  Cancellation: { code: 'W6006', severity: 'warning', message: '{expr}: catastrophic cancellation: {trigger}' },
  LogOfOnePlusSmall: { code: 'W6007', severity: 'warning', message: '{expr}: 1 + x rounds a small x away before the log: {trigger}' },
  ProbabilityFromUnbounded: { code: 'W6008', severity: 'warning', message: '{expr}: a probability is expected here, but {what} can be any real number (logits?): {trigger}' },
  SqrtGradientAtZero: { code: 'W6010', severity: 'warning', message: '{expr}: the gradient of sqrt is infinite at 0: {trigger}' },
  PowGradientAtZero: { code: 'W6011', severity: 'warning', message: '{expr}: the gradient of a power below 1 is infinite where the base is 0: {trigger}' },
  GuardedGradient: { code: 'W6012', severity: 'warning', message: '{expr}: the condition guards the value but not the gradient: {trigger}' },
  InfTimesZero: { code: 'W6013', severity: 'warning', message: '{expr}: a product of 0 and an infinity is NaN: {trigger}' },
  IgnoredReachesLoss: { code: 'W6015', severity: 'warning', message: "class indices '{input}' may hold their ignore value {hyper}, and the NaN read there reaches the loss: no mask excludes those positions" },
  GammaPole: { code: 'W6014', severity: 'warning', message: '{expr}: {op} has a pole at 0 and the negative whole numbers, and its argument can be one: {trigger}' },
  SampledNonFinite: { code: 'W6020', severity: 'warning', message: "loss '{name}' gave a non-finite {what} in float32 at {count} of {samples} sampled inputs from its declared domains, e.g. {input}" },
  // A note (info), not a warning: the optimizer computes the stable form; --no-opt would not.
  RepairedNaiveForm: { code: 'I6030', severity: 'info', message: '{naive} is computed as {stable}, its stable form: written so, it stays stable under --no-opt too ({rules})' },

  // --- evaluation and command line -------------------------------------------------------------
  NoSuchLoss: { code: 'E7001', severity: 'error', message: "no loss named '{name}' in {file}{hint}" },
  MissingInput: { code: 'E7002', severity: 'error', message: "no value given for input '{name}' of loss '{loss}' (expected {expected})" },
  InputShape: { code: 'E7003', severity: 'error', message: "input '{name}' of loss '{loss}': {problem}" },
  BadInputsFile: { code: 'E7004', severity: 'error', message: '{problem}' },
  UnknownInput: { code: 'E7005', severity: 'error', message: "loss '{loss}' has no input or hyperparameter named '{name}'{hint}; {names}" },
  FileNotFound: { code: 'E7006', severity: 'error', message: 'cannot read {path}: {reason}' },
  OutputConflict: { code: 'E7007', severity: 'error', message: '{path} exists and was not written by lossc; refusing to overwrite it' },
  EvaluationFailed: { code: 'E7008', severity: 'error', message: 'evaluation failed: {reason}' },
  OutputFolder: { code: 'E7010', severity: 'error', message: 'cannot write into {path}: {reason}; --out needs a directory' },
  WriteFailed: { code: 'E7011', severity: 'error', message: 'cannot write {path}: {reason}' },
  DuplicateOutput: { code: 'E7012', severity: 'error', message: '{first} and {second} would both be compiled to {path}; compile them in separate runs or rename one' },
  BadUsage: { code: 'E7013', severity: 'error', message: '{problem}' },
  TooManyWarnings: { code: 'E7014', severity: 'error', message: '{warnings} found, more than --max-warnings {max} allows' },
  OptionOutsideDomain: { code: 'E7015', severity: 'error', message: "{value} for '{name}' of loss '{loss}' is outside its declared domain {domain}" },

  // --- internal ---------------------------------------------------------------------------------
  InternalError: { code: 'E9001', severity: 'error', message: 'internal compiler error while {phase}: {reason} (please report this with the source that caused it)' },
} as const satisfies Record<string, DiagnosticDef>;

export type DiagnosticKind = keyof typeof DIAGNOSTICS;

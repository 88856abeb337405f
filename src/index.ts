// Public API of the lossc package. Every type the functions below take or return is
// exported here too (the syntax tree of `parse`, the IR of `check`).
export { parse, check, compile, evaluate, explain, sampleCheck } from './api.js';
export type { ParseResult, CompileOptions, CompileResult, EvaluateOptions, EvaluateResult, ExplainOptions, ExplainResult, SampleCheckOptions, SampleCheckResult } from './api.js';
export type { CheckResult } from './check/module.js';
export type { SourceHost } from './check/program.js';
export type { PipelineOptions } from './pipeline.js';
export type { CostBackend } from './opt/op-costs.js';
export type { AppliedRewrite } from './opt/applied.js';
export type { OpCounts } from './opt/stats.js';
export type { SampleReport, BitsSummary, WorstInput } from './sample/sample.js';
export type { Diagnostic } from './diagnostics/diagnostic.js';
export { formatDiagnostic, hasErrors } from './diagnostics/diagnostic.js';
export { DIAGNOSTICS } from './diagnostics/codes.js';
export type { Severity, DiagnosticDef, DiagnosticKind } from './diagnostics/codes.js';
export type { Span, Position } from './diagnostics/span.js';
export { BUILTINS } from './check/builtins.js';
export type { Builtin, MacroName } from './check/builtins.js';
export { printIr } from './ir/print.js';
export type {
  IrFunction, IrNode, Axis, IrInput, IrHyper, IrFunctionParam, IrGradients, IrBackward, DomainInfo, DimSource, NodeId, Attrs, TensorType, ReductionInfo,
} from './ir/types.js';
export type { OpName, DType, UnaryOp, BinaryOp, ReduceOp, AxisOp } from './ir/ops.js';
export type {
  Module, Import, Identifier, DimDecl, Definition, Param, TypeExpr, ElementTypeName, DimExpr, Domain, Binding, Expr, NumberLit, NameRef, Unary, UnaryOperator,
  Binary, BinaryOperator, Call, Argument, Index, Member, Tuple, Conditional, Let,
} from '../grammar/ast.js';
export type { NestedArray } from './eval/inputs.js';

// Public API of the lossc package.
export { parse, check, compile, evaluate, explain, sampleCheck } from './api.js';
export type { ParseResult, CompileResult, EvaluateOptions, EvaluateResult, ExplainResult, SampleCheckOptions, SampleCheckResult } from './api.js';
export type { CheckResult } from './check/module.js';
export type { SourceHost } from './check/program.js';
export type { PipelineOptions } from './pipeline.js';
export type { Diagnostic } from './diagnostics/diagnostic.js';
export { formatDiagnostic, hasErrors } from './diagnostics/diagnostic.js';
export { DIAGNOSTICS } from './diagnostics/codes.js';
export type { Severity, DiagnosticDef } from './diagnostics/codes.js';
export { BUILTINS } from './check/builtins.js';
export type { Builtin } from './check/builtins.js';
export { printIr } from './ir/print.js';
export type { IrFunction, IrNode, Axis } from './ir/types.js';
export type { NestedArray } from './eval/inputs.js';

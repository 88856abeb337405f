// GENERATED from grammar/parser.ts by grammar/cst-types.ts: do not edit.
// Every child is optional: a node rebuilt by error recovery may lack any of them.
import type { CstNode, IToken } from "chevrotain";

export interface ModuleCstNode extends CstNode {
  name: "module";
  children: ModuleCstChildren;
}

export type ModuleCstChildren = {
  importDecl?: ImportDeclCstNode[];
  dimDecl?: DimDeclCstNode[];
  definition?: DefinitionCstNode[];
  EOF?: IToken[];
};

export interface ImportDeclCstNode extends CstNode {
  name: "importDecl";
  children: ImportDeclCstChildren;
}

export type ImportDeclCstChildren = {
  Import?: IToken[];
  LBrace?: IToken[];
  Identifier?: IToken[];
  Comma?: IToken[];
  RBrace?: IToken[];
  From?: IToken[];
  StringLiteral?: IToken[];
};

export interface DimDeclCstNode extends CstNode {
  name: "dimDecl";
  children: DimDeclCstChildren;
}

export type DimDeclCstChildren = {
  Dim?: IToken[];
  name?: IToken[];
  Equals?: IToken[];
  LBrace?: IToken[];
  component?: IToken[];
  Comma?: IToken[];
  RBrace?: IToken[];
};

export interface DefinitionCstNode extends CstNode {
  name: "definition";
  children: DefinitionCstChildren;
}

export type DefinitionCstChildren = {
  Loss?: IToken[];
  Def?: IToken[];
  Identifier?: IToken[];
  LParen?: IToken[];
  param?: (ParamCstNode)[];
  Comma?: IToken[];
  RParen?: IToken[];
  Arrow?: IToken[];
  result?: ShapeCstNode[];
  Equals?: IToken[];
  body?: ExpressionCstNode[];
  whereClause?: WhereClauseCstNode[];
};

export interface ParamCstNode extends CstNode {
  name: "param";
  children: ParamCstChildren;
}

export type ParamCstChildren = {
  Param?: IToken[];
  Broadcast?: IToken[];
  Identifier?: IToken[];
  Colon?: IToken[];
  typeExpr?: TypeExprCstNode[];
  In?: IToken[];
  domain?: DomainCstNode[];
  Equals?: IToken[];
  default?: ExpressionCstNode[];
};

export interface TypeExprCstNode extends CstNode {
  name: "typeExpr";
  children: TypeExprCstChildren;
}

export type TypeExprCstChildren = {
  listWord?: IToken[];
  listLength?: ShapeCstNode[];
  listOf?: IToken[];
  raggedWord?: IToken[];
  listElement?: TypeExprCstNode[];
  ElementType?: IToken[];
  shape?: (ShapeCstNode)[];
  Index?: IToken[];
  Of?: IToken[];
  classes?: (IToken)[];
  ignoreWord?: IToken[];
  ignoreValue?: IToken[];
  orPipe?: IToken[];
  probsShape?: ShapeCstNode[];
  choice?: IToken[];
  Pipe?: IToken[];
  Fn?: IToken[];
  LParen?: IToken[];
  paramType?: TypeExprCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
  Arrow?: IToken[];
  resultType?: TypeExprCstNode[];
};

export interface ShapeCstNode extends CstNode {
  name: "shape";
  children: ShapeCstChildren;
}

export type ShapeCstChildren = {
  LBracket?: IToken[];
  dim?: DimCstNode[];
  Comma?: IToken[];
  RBracket?: IToken[];
};

export interface DimCstNode extends CstNode {
  name: "dim";
  children: DimCstChildren;
}

export type DimCstChildren = {
  Identifier?: IToken[];
  Ellipsis?: IToken[];
  NumberLiteral?: IToken[];
};

export interface DomainCstNode extends CstNode {
  name: "domain";
  children: DomainCstChildren;
}

export type DomainCstChildren = {
  open?: (IToken)[];
  lo?: ExpressionCstNode[];
  Comma?: (IToken)[];
  hi?: ExpressionCstNode[];
  close?: (IToken)[];
  LBrace?: IToken[];
  value?: ExpressionCstNode[];
  RBrace?: IToken[];
};

export interface WhereClauseCstNode extends CstNode {
  name: "whereClause";
  children: WhereClauseCstChildren;
}

export type WhereClauseCstChildren = {
  Where?: IToken[];
  binding?: (BindingCstNode)[];
  Comma?: IToken[];
};

export interface BindingCstNode extends CstNode {
  name: "binding";
  children: BindingCstChildren;
}

export type BindingCstChildren = {
  name?: IToken[];
  LBracket?: IToken[];
  index?: BindingIndexCstNode[];
  Comma?: IToken[];
  RBracket?: IToken[];
  Equals?: IToken[];
  value?: ExpressionCstNode[];
};

export interface BindingIndexCstNode extends CstNode {
  name: "bindingIndex";
  children: BindingIndexCstChildren;
}

export type BindingIndexCstChildren = {
  name?: IToken[];
  Colon?: IToken[];
  dim?: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  conditional?: ConditionalCstNode[];
  letExpr?: LetExprCstNode[];
  orExpr?: OrExprCstNode[];
};

export interface ConditionalCstNode extends CstNode {
  name: "conditional";
  children: ConditionalCstChildren;
}

export type ConditionalCstChildren = {
  If?: IToken[];
  cond?: ExpressionCstNode[];
  Then?: IToken[];
  then?: ExpressionCstNode[];
  Else?: IToken[];
  else?: ExpressionCstNode[];
};

export interface LetExprCstNode extends CstNode {
  name: "letExpr";
  children: LetExprCstChildren;
}

export type LetExprCstChildren = {
  Let?: IToken[];
  binding?: BindingCstNode[];
  Comma?: IToken[];
  In?: IToken[];
  body?: ExpressionCstNode[];
};

export interface OrExprCstNode extends CstNode {
  name: "orExpr";
  children: OrExprCstChildren;
}

export type OrExprCstChildren = {
  lhs?: AndExprCstNode[];
  Or?: IToken[];
  rhs?: AndExprCstNode[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  lhs?: NotExprCstNode[];
  And?: IToken[];
  rhs?: NotExprCstNode[];
};

export interface NotExprCstNode extends CstNode {
  name: "notExpr";
  children: NotExprCstChildren;
}

export type NotExprCstChildren = {
  Not?: IToken[];
  operand?: NotExprCstNode[];
  comparison?: ComparisonCstNode[];
};

export interface ComparisonCstNode extends CstNode {
  name: "comparison";
  children: ComparisonCstChildren;
}

export type ComparisonCstChildren = {
  lhs?: AdditiveCstNode[];
  Comparison?: IToken[];
  rhs?: AdditiveCstNode[];
};

export interface AdditiveCstNode extends CstNode {
  name: "additive";
  children: AdditiveCstChildren;
}

export type AdditiveCstChildren = {
  lhs?: MultiplicativeCstNode[];
  AdditionOperator?: IToken[];
  rhs?: MultiplicativeCstNode[];
};

export interface MultiplicativeCstNode extends CstNode {
  name: "multiplicative";
  children: MultiplicativeCstChildren;
}

export type MultiplicativeCstChildren = {
  lhs?: UnaryCstNode[];
  MultiplicationOperator?: IToken[];
  rhs?: UnaryCstNode[];
};

export interface UnaryCstNode extends CstNode {
  name: "unary";
  children: UnaryCstChildren;
}

export type UnaryCstChildren = {
  AdditionOperator?: IToken[];
  operand?: UnaryCstNode[];
  power?: PowerCstNode[];
};

export interface PowerCstNode extends CstNode {
  name: "power";
  children: PowerCstChildren;
}

export type PowerCstChildren = {
  lhs?: PostfixCstNode[];
  Caret?: IToken[];
  rhs?: UnaryCstNode[];
};

export interface PostfixCstNode extends CstNode {
  name: "postfix";
  children: PostfixCstChildren;
}

export type PostfixCstChildren = {
  primary?: PrimaryCstNode[];
  suffix?: SuffixCstNode[];
};

export interface SuffixCstNode extends CstNode {
  name: "suffix";
  children: SuffixCstChildren;
}

export type SuffixCstChildren = {
  LBracket?: IToken[];
  index?: ExpressionCstNode[];
  Comma?: IToken[];
  RBracket?: IToken[];
  Dot?: IToken[];
  member?: IToken[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  NumberLiteral?: IToken[];
  Inf?: IToken[];
  StringLiteral?: IToken[];
  nameOrCall?: NameOrCallCstNode[];
  parenthesized?: ParenthesizedCstNode[];
  Ellipsis?: IToken[];
};

export interface NameOrCallCstNode extends CstNode {
  name: "nameOrCall";
  children: NameOrCallCstChildren;
}

export type NameOrCallCstChildren = {
  callee?: (IToken)[];
  callArgs?: (CallArgsCstNode)[];
};

export interface CallArgsCstNode extends CstNode {
  name: "callArgs";
  children: CallArgsCstChildren;
}

export type CallArgsCstChildren = {
  LParen?: IToken[];
  argument?: ArgumentCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
};

export interface ArgumentCstNode extends CstNode {
  name: "argument";
  children: ArgumentCstChildren;
}

export type ArgumentCstChildren = {
  name?: (IToken)[];
  Colon?: IToken[];
  value?: ExpressionCstNode[];
};

export interface ParenthesizedCstNode extends CstNode {
  name: "parenthesized";
  children: ParenthesizedCstChildren;
}

export type ParenthesizedCstChildren = {
  LParen?: IToken[];
  item?: ExpressionCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
};

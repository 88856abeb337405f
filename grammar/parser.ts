// The grammar, as code. Precedence is the order of the expression rule chain, lowest first;
// operands are labelled lhs/rhs. Nothing here decides meaning: that is cst-to-ast.ts.
import { CstParser, EOF, tokenMatcher, type IToken, type TokenType } from './chevrotain.js';
import type { ExpressionCstNode, ModuleCstNode } from './generated/cst.js';
import * as T from './tokens.js';
import { errorMessageProvider, setMessageTokens } from './messages.js';

const DECLARATION_KEYWORDS = [T.Loss, T.Def, T.Dim, T.Import];

export class LossParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider });
    this.performSelfAnalysis();
  }

  // A declaration keyword is never dropped as a stray token during recovery: it starts the
  // next declaration, which would otherwise be swallowed by the broken one before it.
  protected override canTokenTypeBeDeletedInRecovery(_expected: TokenType): boolean {
    const next = this.LA(1);
    return !DECLARATION_KEYWORDS.some((k) => tokenMatcher(next, k));
  }

  // The explicit EOF lets chevrotain resync past a stray top-level token and keep parsing
  // the definitions after it, instead of giving up on the rest of the file.
  public module = this.RULE('module', () => {
    this.MANY(() =>
      this.OR({
        DEF: [
          { ALT: () => this.SUBRULE(this.importDecl) },
          { ALT: () => this.SUBRULE(this.dimDecl) },
          { ALT: () => this.SUBRULE(this.definition) },
        ],
        ERR_MSG: "'loss', 'def', 'dim' or 'import'",
      }),
    );
    this.CONSUME(EOF);
  });

  public importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.LBrace);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier),
      ERR_MSG: 'a name to import',
    });
    this.CONSUME(T.RBrace);
    this.CONSUME(T.From);
    this.CONSUME(T.StringLiteral);
  });

  public dimDecl = this.RULE('dimDecl', () => {
    this.CONSUME(T.Dim);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.Equals);
    this.CONSUME(T.LBrace);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier, { LABEL: 'component' }),
      ERR_MSG: 'a component name',
    });
    this.CONSUME(T.RBrace);
  });

  public definition = this.RULE('definition', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Loss) }, { ALT: () => this.CONSUME(T.Def) }]);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.param);
      });
    });
    this.CONSUME(T.RParen);
    // `-> [N, C]`: the declared result shape, which fixes the order callers see.
    this.OPTION3(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.shape, { LABEL: 'result' });
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: 'body' });
    this.OPTION2(() => this.SUBRULE(this.whereClause));
  });

  public param = this.RULE('param', () => {
    // `param` (learnable) or `broadcast` (size-1 or missing leading dims accepted).
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(T.Param) }, { ALT: () => this.CONSUME(T.Broadcast) }]));
    this.CONSUME(T.Identifier);
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr);
    });
    this.OPTION3(() => {
      this.CONSUME(T.In);
      this.SUBRULE(this.domain);
    });
    this.OPTION4(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression, { LABEL: 'default' });
    });
  });

  public typeExpr = this.RULE('typeExpr', () => {
    this.OR({
      DEF: [
        // `list[K] of [N, C]`: K tensors of one shape. `list` is a word only here (followed
        // by `[` in a type), so names elsewhere may still be it.
        {
          GATE: () => this.LA(1).image === 'list' && tokenMatcher(this.LA(2), T.LBracket),
          ALT: () => {
            this.CONSUME4(T.Identifier, { LABEL: 'listWord' });
            this.SUBRULE5(this.shape, { LABEL: 'listLength' });
            this.CONSUME2(T.Of, { LABEL: 'listOf' });
            // `list[K] of ragged [B, C, ...]`: each element has its own '...' dims. A word
            // only here (followed by `[`), so names elsewhere may still be it.
            this.OPTION7({
              GATE: () => this.LA(1).image === 'ragged' && [T.LBracket, T.ElementType, T.Index].some((t) => tokenMatcher(this.LA(2), t)),
              DEF: () => this.CONSUME5(T.Identifier, { LABEL: 'raggedWord' }),
            });
            this.SUBRULE3(this.typeExpr, { LABEL: 'listElement' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.ElementType);
            this.OPTION(() => this.SUBRULE(this.shape));
          },
        },
        { ALT: () => this.SUBRULE2(this.shape) },
        {
          ALT: () => {
            this.CONSUME(T.Index);
            this.SUBRULE3(this.shape);
            this.CONSUME(T.Of);
            // The classes: a dim's name, or their number (`of 10`).
            this.OR2([
              { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'classes' }) },
              { ALT: () => this.CONSUME2(T.NumberLiteral, { LABEL: 'classes' }) },
            ]);
            // `ignore h`: indices equal to hyperparameter h are admitted and ignored (torch's
            // ignore_index). `ignore` is a word only here, so names elsewhere may still be it.
            this.OPTION2({
              GATE: () => this.LA(1).image === 'ignore' && this.LA(1).tokenType === T.Identifier,
              DEF: () => {
                this.CONSUME2(T.Identifier, { LABEL: 'ignoreWord' });
                this.CONSUME3(T.Identifier, { LABEL: 'ignoreValue' });
              },
            });
            // `index[N] of C | [N, C]`: class indices or probabilities, told apart at run time.
            this.OPTION3(() => {
              this.CONSUME(T.Pipe, { LABEL: 'orPipe' });
              this.SUBRULE4(this.shape, { LABEL: 'probsShape' });
            });
          },
        },
        // `"sigmoid" | "softmax" | "none"`: a hyperparameter that is one of these strings.
        {
          ALT: () => {
            this.AT_LEAST_ONE_SEP2({
              SEP: T.Pipe, DEF: () => this.CONSUME(T.StringLiteral, { LABEL: 'choice' }),
              ERR_MSG: 'a string',
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Fn);
            this.CONSUME(T.LParen);
            this.AT_LEAST_ONE_SEP({
              SEP: T.Comma, DEF: () => this.SUBRULE(this.typeExpr, { LABEL: 'paramType' }),
              ERR_MSG: 'a type',
            });
            this.CONSUME(T.RParen);
            this.CONSUME(T.Arrow);
            this.SUBRULE2(this.typeExpr, { LABEL: 'resultType' });
          },
        },
      ],
      ERR_MSG: "a type (real, int, bool, a shape like [N, D], index[N] of C, strings like \"a\" | \"b\" or fn(...) -> ...)",
    });
  });

  // `[]` is the shape of a rank-0 tensor (a scalar passed as a tensor, not a hyperparameter).
  public shape = this.RULE('shape', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({
      SEP: T.Comma, DEF: () => this.SUBRULE(this.dim),
    });
    this.CONSUME(T.RBracket);
  });

  public dim = this.RULE('dim', () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.Ellipsis) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
      ],
      ERR_MSG: "a dimension (a name, '...' or a whole number)",
    });
  });

  public domain = this.RULE('domain', () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(T.LBracket, { LABEL: 'open' }) },
              { ALT: () => this.CONSUME(T.LParen, { LABEL: 'open' }) },
            ]);
            this.SUBRULE(this.expression, { LABEL: 'lo' });
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.expression, { LABEL: 'hi' });
            this.OR3({
              DEF: [
                { ALT: () => this.CONSUME(T.RBracket, { LABEL: 'close' }) },
                { ALT: () => this.CONSUME(T.RParen, { LABEL: 'close' }) },
              ],
              ERR_MSG: "']' or ')' to close the interval",
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBrace);
            this.AT_LEAST_ONE_SEP({
              SEP: T.Comma, DEF: () => this.SUBRULE3(this.expression, { LABEL: 'value' }),
              ERR_MSG: 'an expression',
            });
            this.CONSUME(T.RBrace);
          },
        },
      ],
      ERR_MSG: 'a domain such as [0, 1], (0, inf) or {0, 1}',
    });
  });

  // Bindings need no separator: an expression never continues with a name, so a name
  // after a complete expression starts the next binding.
  public whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.binding);
    this.MANY(() => {
      this.OPTION(() => this.CONSUME(T.Comma));
      this.SUBRULE2(this.binding);
    });
  });

  public binding = this.RULE('binding', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.AT_LEAST_ONE_SEP({
        SEP: T.Comma, DEF: () => this.SUBRULE(this.bindingIndex, { LABEL: 'index' }),
        ERR_MSG: 'an index variable',
      });
      this.CONSUME(T.RBracket);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  // `c` or `c: C`: an index variable of a binding's left side, optionally with the dim it
  // ranges over (for a value made from positions alone: `keep[c: C] = c > 0`).
  public bindingIndex = this.RULE('bindingIndex', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.CONSUME2(T.Identifier, { LABEL: 'dim' });
    });
  });

  // --- expressions, lowest precedence first ---------------------------------------------------
  public expression = this.RULE('expression', () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.conditional) },
        { ALT: () => this.SUBRULE(this.letExpr) },
        { ALT: () => this.SUBRULE(this.orExpr) },
      ],
      ERR_MSG: 'an expression',
    });
  });

  public conditional = this.RULE('conditional', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: 'cond' });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expression, { LABEL: 'then' });
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expression, { LABEL: 'else' });
  });

  public letExpr = this.RULE('letExpr', () => {
    this.CONSUME(T.Let);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma, DEF: () => this.SUBRULE(this.binding),
      ERR_MSG: "a binding such as 'name = value'",
    });
    this.CONSUME(T.In);
    this.SUBRULE(this.expression, { LABEL: 'body' });
  });

  public orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr, { LABEL: 'rhs' });
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr, { LABEL: 'rhs' });
    });
  });

  public notExpr = this.RULE('notExpr', () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Not);
            this.SUBRULE(this.notExpr, { LABEL: 'operand' });
          },
        },
        { ALT: () => this.SUBRULE(this.comparison) },
      ],
      ERR_MSG: 'an expression',
    });
  });

  // Parsed as a list so `a < b < c` gets its own diagnostic (E1014) from the AST builder.
  public comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.additive, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(T.Comparison);
      this.SUBRULE2(this.additive, { LABEL: 'rhs' });
    });
  });

  public additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(T.AdditionOperator);
      this.SUBRULE2(this.multiplicative, { LABEL: 'rhs' });
    });
  });

  public multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(T.MultiplicationOperator);
      this.SUBRULE2(this.unary, { LABEL: 'rhs' });
    });
  });

  public unary = this.RULE('unary', () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.AdditionOperator);
            this.SUBRULE(this.unary, { LABEL: 'operand' });
          },
        },
        { ALT: () => this.SUBRULE(this.power) },
      ],
      ERR_MSG: 'an expression',
    });
  });

  // `^` binds tighter than unary minus (`-x^2` is `-(x^2)`) yet its exponent may carry a
  // sign (`2^-1`); recursing into unary makes it right associative.
  public power = this.RULE('power', () => {
    this.SUBRULE(this.postfix, { LABEL: 'lhs' });
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE(this.unary, { LABEL: 'rhs' });
    });
  });

  public postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.suffix));
  });

  public suffix = this.RULE('suffix', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.AT_LEAST_ONE_SEP({
            SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'index' }),
            ERR_MSG: 'an index',
          });
          this.CONSUME(T.RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME(T.Identifier, { LABEL: 'member' });
        },
      },
    ]);
  });

  public primary = this.RULE('primary', () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.Inf) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.SUBRULE(this.nameOrCall) },
        { ALT: () => this.SUBRULE(this.parenthesized) },
        // The rest axis by name, where an axis is an argument: `sum(x, ...)`, `mean(x, (C, ...))`.
        { ALT: () => this.CONSUME(T.Ellipsis) },
      ],
      ERR_MSG: 'an expression',
    });
  });

  // `real(x)`, `int(x)`, `bool(x)` convert; the type keyword alone is not a value.
  public nameOrCall = this.RULE('nameOrCall', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: 'callee' });
          this.OPTION(() => this.SUBRULE(this.callArgs));
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.ElementType, { LABEL: 'callee' });
          this.SUBRULE2(this.callArgs);
        },
      },
    ]);
  });

  public callArgs = this.RULE('callArgs', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument) });
    this.CONSUME(T.RParen);
  });

  // `where` may name an argument (`max(d, j, where: mask)`).
  public argument = this.RULE('argument', () => {
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'name' }) },
        { ALT: () => this.CONSUME(T.Where, { LABEL: 'name' }) },
      ]);
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  /** One item is a parenthesised expression, more a tuple. */
  public parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'item' }),
      ERR_MSG: 'an expression',
    });
    this.CONSUME(T.RParen);
  });
}

/** Chevrotain parsers are costly to build: one instance, reset per input. */
export const parser = new LossParser();

interface EntryNodes {
  module: ModuleCstNode;
  expression: ExpressionCstNode;
}

/** Runs an entry rule over `tokens`; errors are left in `parser.errors`. */
export function runRule<R extends keyof EntryNodes>(rule: R, tokens: IToken[]): EntryNodes[R] | undefined {
  setMessageTokens(tokens);
  parser.input = tokens;
  // Typed by grammar/generated/cst.ts; undefined when recovery could not build even a node.
  return parser[rule]() as EntryNodes[R] | undefined;
}

// The language service: everything an editor asks about a .loss text, as pure functions over
// the text and a host that reads the files it imports. The language server (src/lsp) and the
// playground's Monaco providers are thin adapters over it; neither has logic of its own.

export type { ServiceHost, StdlibFile, TextEdit, TextRange } from './types.js';
export { parsed, quickCheck, fullCheck, ownDiagnostics, type Parsed } from './analysis.js';
export { symbolTable, occurrenceAt, type LossSymbol, type Occurrence, type SymbolKind, type SymbolTable } from './symbols.js';
export { definition, references, prepareRename, rename, applyEdits, symbolAt, type Location, type RenameResult, type Workspace } from './navigation.js';
export { hover, header, valueFacts, type HoverInfo } from './hover.js';
export { completions, importEdit, KEYWORDS, type CompletionItem, type ItemKind } from './completion.js';
export { signatureHelp, type SignatureHelp } from './signature.js';
export { outline, foldingRanges, workspaceSymbols, type OutlineItem, type FoldingRange, type WorkspaceSymbol } from './outline.js';
export { semanticTokens, SEMANTIC_TOKEN_TYPES, SEMANTIC_TOKEN_MODIFIERS, type SemanticToken } from './semantic.js';
export { inlayHints, type InlayHint } from './inlay.js';
export { codeActions, type CodeAction } from './actions.js';
export { describeValue, describeAxes, describeRange, ValueFacts, type ValueFact } from './values.js';
export { lexWithComments, type Comment } from './trivia.js';

// Monaco without its bundled languages: the editor API plus only the features the playground
// uses (a 3 MB build instead of 14 MB), the TypeScript colouring for the generated-code pane,
// and the loss language from grammar/monarch.ts.
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
// The language service's features (editor.ts): quick fixes, go to definition and references,
// inlay hints, rename, signature help, formatting.
import 'monaco-editor/features/codeAction/register';
import 'monaco-editor/features/format/register';
import 'monaco-editor/features/gotoSymbol/register';
import 'monaco-editor/features/inlayHints/register';
import 'monaco-editor/features/parameterHints/register';
import 'monaco-editor/features/referenceSearch/register';
import 'monaco-editor/features/rename/register';
import 'monaco-editor/languages/definitions/typescript/register';
// Not covered by a features/ entry: the suggest widget itself, cursor commands and find.
import 'monaco-editor/editor/browser/coreCommands';
import 'monaco-editor/editor/contrib/find/browser/findController';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import { lossLanguageConfiguration, monarchLanguage } from '../../grammar/monarch.js';

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

export const LANGUAGE_ID = 'loss';

monaco.languages.register({ id: LANGUAGE_ID, extensions: ['.loss'], aliases: ['lossc', 'loss'] });
monaco.languages.setMonarchTokensProvider(LANGUAGE_ID, monarchLanguage as unknown as monaco.languages.IMonarchLanguage);
monaco.languages.setLanguageConfiguration(LANGUAGE_ID, lossLanguageConfiguration as unknown as monaco.languages.LanguageConfiguration);

monaco.editor.defineTheme('lossc', {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'keyword', foreground: '7a3e9d', fontStyle: 'bold' },
    { token: 'type', foreground: '1f6f8b' },
    { token: 'number', foreground: 'b5520b' },
    { token: 'comment.doc', foreground: '3b7a3b', fontStyle: 'italic' },
    { token: 'comment', foreground: '8a8a8a', fontStyle: 'italic' },
    { token: 'operator', foreground: '444444' },
    { token: 'string', foreground: 'a31515' },
    { token: 'invalid', foreground: 'd00000', fontStyle: 'underline' },
  ],
  // A light selection in lists, so the focused suggestion reads dark on light everywhere in its row.
  colors: {
    'editorSuggestWidget.selectedBackground': '#dbe7ff',
    'editorSuggestWidget.selectedForeground': '#111111',
    'editorSuggestWidget.focusHighlightForeground': '#1d4ed8',
    'editorSuggestWidget.highlightForeground': '#1d4ed8',
    'list.activeSelectionBackground': '#dbe7ff',
    'list.activeSelectionForeground': '#111111',
    'list.focusBackground': '#dbe7ff',
    'list.focusForeground': '#111111',
  },
});

monaco.editor.defineTheme('lossc-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'keyword', foreground: 'c792ea', fontStyle: 'bold' },
    { token: 'type', foreground: '7fc8dd' },
    { token: 'number', foreground: 'f3a45c' },
    { token: 'comment.doc', foreground: '8cc48c', fontStyle: 'italic' },
    { token: 'comment', foreground: '8a8f98', fontStyle: 'italic' },
    { token: 'operator', foreground: 'c8ccd4' },
    { token: 'string', foreground: 'f08c8c' },
    { token: 'invalid', foreground: 'ff6b6b', fontStyle: 'underline' },
  ],
  colors: { 'editor.background': '#181b22' },
});

/** Both editors follow the system's light or dark setting, also when it changes. */
const dark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
export const systemTheme = (): string => (dark?.matches ? 'lossc-dark' : 'lossc');
dark?.addEventListener('change', () => monaco.editor.setTheme(systemTheme()));

export { monaco };

// The formatter: `lossc fmt`, and the language server's formatting provider.
export { formatSource, type FormatResult } from './format.js';
export { sameTree, withoutPlaces } from './same-tree.js';

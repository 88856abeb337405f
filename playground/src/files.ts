// Copy and Download for what the page makes: the .loss source, the generated .ts and the
// inputs JSON. A button pair per item; Copy says whether the clipboard took it.
import { h } from './dom.js';

/** Saves `text` as a file named `name` (an object URL on a temporary link). */
export function download(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Copy and Download buttons for the text `get` returns when clicked; ids `<id>-copy`, `<id>-download`. */
export function fileButtons(id: string, name: () => string, get: () => string | undefined, type?: string): HTMLElement {
  const copied = h('span', { class: 'muted copied', id: `${id}-copied`, role: 'status' });
  const copy = h('button', { id: `${id}-copy`, class: 'small', onclick: async () => {
    const text = get();
    if (text === undefined) return;
    try {
      await navigator.clipboard.writeText(text);
      copied.textContent = 'Copied.';
    } catch {
      copied.textContent = 'The browser refused the clipboard: use Download.';
    }
  } }, 'Copy');
  const save = h('button', { id: `${id}-download`, class: 'small', onclick: () => {
    const text = get();
    if (text !== undefined) download(name(), text, type);
  } }, 'Download');
  return h('span', { class: 'file-buttons' }, copy, save, copied);
}

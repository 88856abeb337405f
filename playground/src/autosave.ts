// The page's work kept in this browser (localStorage): the editor's text, the settings and the
// plot, saved after every edit and read back on a load without a share link. Opening a link
// sets the work it replaces aside under a second key, so it can be brought back.
import type { Settings } from './app.js';
import type { PlotSpec } from './plot/specs.js';

/** What a share link and the saved work both hold. */
export interface Saved {
  readonly v: 1;
  /** The compiler version that wrote it (absent in links made before versions were recorded). */
  readonly compiler?: string;
  readonly text: string;
  readonly settings: Partial<Settings>;
  readonly plot?: PlotSpec;
}

export const SAVED_KEY = 'lossc-playground:work';
export const PREVIOUS_KEY = 'lossc-playground:previous';

function read(key: string): Saved | undefined {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return undefined;
    const v = JSON.parse(raw) as Partial<Saved> | null;
    return v && v.v === 1 && typeof v.text === 'string' && typeof v.settings === 'object' ? (v as Saved) : undefined;
  } catch {
    // Storage disabled, or an entry this page cannot read: the page starts as if nothing was saved.
    return undefined;
  }
}

function write(key: string, state: Saved): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(state));
    return true;
  } catch {
    return false; // storage full or disabled: the share link still keeps the work
  }
}

export const loadSaved = (): Saved | undefined => read(SAVED_KEY);
export const loadPrevious = (): Saved | undefined => read(PREVIOUS_KEY);
export const save = (state: Saved): boolean => write(SAVED_KEY, state);
export const keepPrevious = (state: Saved): boolean => write(PREVIOUS_KEY, state);

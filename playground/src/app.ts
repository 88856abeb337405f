// The playground's state and its workers. Panes read `app.analysis` and subscribe to changes;
// only this file talks to the language worker, so there is one source of truth per version.
import { DIAGNOSTICS, type Diagnostic } from '../../src/index.js';
import type { ReductionMode } from '../../src/ir/reduction.js';
import type { Analysis, IrReport } from './protocol.js';
import { WorkerClient } from './rpc.js';
import { EDITOR_FILE } from './stdlib.js';
import LangWorker from './lang.worker.ts?worker';
import RunWorker from './run.worker.ts?worker';
import CompileWorker from './compile.worker.ts?worker';

export type Tab = 'run' | 'plots' | 'code' | 'ir' | 'stability';

export interface Settings {
  tab: Tab;
  loss?: string;
  seed: number;
  sizes: Record<string, string>;
  mode: 'random' | 'json';
  json: string;
  hypers: Record<string, string>;
  reduction: '' | ReductionMode;
  /** The Run pane's backend; 'auto' is wasm, or cpu where wasm cannot start. */
  backend: 'auto' | 'wasm' | 'cpu' | 'webgl';
  plot: 'sweep' | 'train' | 'landscape';
}

export const DEFAULT_SETTINGS: Settings = {
  tab: 'run', seed: 7, sizes: {}, mode: 'random', json: '', hypers: {}, reduction: '', backend: 'auto', plot: 'sweep',
};

type Listener = (a: Analysis) => void;

const bySpan = (a: Diagnostic, b: Diagnostic): number => (a.span?.start.offset ?? -1) - (b.span?.start.offset ?? -1);

/** A failure of the playground itself, shown with the internal-error code. */
export function internalProblem(phase: string, err: unknown): Diagnostic {
  const def = DIAGNOSTICS.InternalError;
  const reason = err instanceof Error ? err.message : String(err);
  return { code: def.code, kind: 'InternalError', severity: 'error', message: def.message.replace('{phase}', phase).replace('{reason}', reason) };
}

class App {
  settings: Settings = { ...DEFAULT_SETTINGS };
  analysis: Analysis | undefined;
  text = '';
  version = 0;
  readonly file = EDITOR_FILE;
  private readonly listeners: Listener[] = [];
  private readonly lang = new WorkerClient(new LangWorker({ name: 'lossc-check' }));
  private inFlight = false;
  private queued = false;
  private runClient: WorkerClient | undefined;
  private compileClient: WorkerClient | undefined;

  onAnalysis(fn: Listener): void {
    this.listeners.push(fn);
    if (this.analysis) fn(this.analysis);
  }

  /** New editor text. At most one check runs at a time; the newest text is checked next. */
  update(text: string): void {
    this.text = text;
    this.version++;
    if (this.inFlight) {
      this.queued = true;
      return;
    }
    void this.check();
  }

  /**
   * Two passes per text: names, types and shapes first (fast), then with the stability
   * analysis, which may take longer; the second is skipped when newer text is waiting.
   */
  private async check(): Promise<void> {
    this.inFlight = true;
    const version = this.version;
    try {
      for (const stability of [false, true]) {
        if (version !== this.version) break;
        const a = await this.lang.call<Analysis>('analyze', { text: this.text, file: this.file, version, stability });
        // A stale answer would put markers where the text has moved on: only the newest is shown.
        if (version === this.version) this.publish(a);
      }
    } catch (err) {
      this.publish({ version, diagnostics: [internalProblem('checking in the background worker', err)], losses: [], checkMs: 0, complete: true });
    } finally {
      this.inFlight = false;
      if (this.queued) {
        this.queued = false;
        void this.check();
      }
    }
  }

  /** The IR before and after optimization of the editor's losses. */
  irReport(): Promise<IrReport> {
    return this.lang.call<IrReport>('ir', { text: this.text, file: this.file });
  }

  /** Checks some other text (a stdlib file for a plot preset) without touching the editor's state. */
  analyzeOther(text: string, file: string): Promise<Analysis> {
    return this.lang.call<Analysis>('analyze', { text, file, version: -1 });
  }

  private stabilityFindings: readonly Diagnostic[] = [];

  private publish(given: Analysis): void {
    // The quick pass keeps the last stability findings, so their warnings do not blink off
    // and on with every keystroke.
    const isStability = (d: Diagnostic): boolean => d.code.startsWith('W6');
    if (given.complete) this.stabilityFindings = given.diagnostics.filter(isStability);
    const a = given.complete ? given : { ...given, diagnostics: [...given.diagnostics.filter((d) => !isStability(d)), ...this.stabilityFindings].sort(bySpan) };
    this.analysis = a;
    for (const fn of this.listeners) {
      try {
        fn(a);
      } catch (err) {
        console.error(err);
        showBanner(internalProblem('updating the page', err));
      }
    }
  }

  /** The run worker, started on first use (it loads TensorFlow.js). */
  get runner(): WorkerClient {
    this.runClient ??= new WorkerClient(new RunWorker({ name: 'lossc-run' }));
    return this.runClient;
  }

  /** The compile worker, started when the generated-code pane is first shown (it loads ts-morph). */
  get compiler(): WorkerClient {
    this.compileClient ??= new WorkerClient(new CompileWorker({ name: 'lossc-compile' }));
    return this.compileClient;
  }

  get compilerStarted(): boolean {
    return this.compileClient !== undefined;
  }
}

export const app = new App();

/** A problem of the page itself, shown above everything without clearing it. */
export function showBanner(d: Diagnostic): void {
  const banner = document.getElementById('banner');
  if (!banner) return;
  banner.hidden = false;
  banner.querySelector('.text')!.textContent = `${d.code}: ${d.message}`;
}

// A small request/response protocol over postMessage, so each worker is called like an async
// function. Long jobs may report progress; a failed request rejects with the worker's message.

export interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export type Reply =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string }
  | { readonly id: number; readonly progress: unknown };

type Handler = (params: never, progress: (p: unknown) => void) => unknown;

/** Worker side: answers requests with the named handler. */
export function serve(handlers: Record<string, Handler>): void {
  const scope = self as unknown as { postMessage(m: Reply): void; onmessage: ((e: MessageEvent<Request>) => void) | null };
  scope.onmessage = async (e) => {
    const { id, method, params } = e.data;
    try {
      const handler = handlers[method];
      if (!handler) throw new Error(`unknown method '${method}'`);
      const result = await handler(params as never, (progress) => scope.postMessage({ id, progress }));
      scope.postMessage({ id, result });
    } catch (err) {
      scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  };
}

/** Main-thread side of one worker. */
export class WorkerClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; progress?: (p: unknown) => void }>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<Reply>) => {
      const entry = this.pending.get(e.data.id);
      if (!entry) return;
      if ('progress' in e.data) return entry.progress?.(e.data.progress);
      this.pending.delete(e.data.id);
      if ('error' in e.data) entry.reject(new Error(e.data.error));
      else entry.resolve(e.data.result);
    };
    // A worker that fails to load or crashes rejects everything waiting on it.
    worker.onerror = (e) => {
      e.preventDefault();
      const err = new Error(e.message || 'the worker failed to start');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call<T>(method: string, params: unknown, progress?: (p: unknown) => void): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(progress ? { progress } : {}) });
      this.worker.postMessage({ id, method, params } satisfies Request);
    });
  }
}

/**
 * Per-model admission: `capacity` jobs run at once, up to `maxQueue` more wait in FIFO order, and
 * anything beyond is refused at once so the edge can try another runner. Ollama would queue too
 * (512 deep, serialised per model) but then the edge could not tell a busy runner from a slow one.
 */
export interface SlotLease {
  /** Frees the slot for the next queued job. Safe to call more than once. */
  release(): void;
}

export type SlotRequest =
  | { ok: true; granted: Promise<SlotLease> }
  | { ok: false; running: number; queued: number };

interface Waiter {
  signal: AbortSignal;
  grant: () => void;
  onAbort: () => void;
}

interface ModelState {
  running: number;
  capacity: number;
  queue: Waiter[];
}

export class ModelSlots {
  readonly #maxQueue: number;
  readonly #models = new Map<string, ModelState>();

  constructor(maxQueue: number) {
    this.#maxQueue = maxQueue;
  }

  /**
   * Asks for a slot for `model`. When queued, the job's signal aborting takes it out of the queue and
   * rejects `granted` with the signal's reason.
   */
  request(model: string, capacity: number, signal: AbortSignal): SlotRequest {
    const state = this.#state(model);
    state.capacity = capacity;
    this.#pump(state);
    if (signal.aborted) return { ok: true, granted: Promise.reject(signal.reason) };
    if (state.running < state.capacity && state.queue.length === 0) {
      state.running += 1;
      return { ok: true, granted: Promise.resolve(this.#lease(model, state)) };
    }
    if (state.queue.length >= this.#maxQueue) return { ok: false, running: state.running, queued: state.queue.length };

    const granted = new Promise<SlotLease>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        grant: () => {
          signal.removeEventListener("abort", waiter.onAbort);
          resolve(this.#lease(model, state));
        },
        onAbort: () => {
          const index = state.queue.indexOf(waiter);
          if (index >= 0) state.queue.splice(index, 1);
          this.#forgetIfIdle(model, state);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
      state.queue.push(waiter);
    });
    return { ok: true, granted };
  }

  load(model: string): { running: number; queued: number } {
    const state = this.#models.get(model);
    return { running: state?.running ?? 0, queued: state?.queue.length ?? 0 };
  }

  #lease(model: string, state: ModelState): SlotLease {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        state.running -= 1;
        this.#pump(state);
        this.#forgetIfIdle(model, state);
      },
    };
  }

  #pump(state: ModelState): void {
    while (state.running < state.capacity && state.queue.length > 0) {
      const next = state.queue.shift();
      if (!next) break;
      state.running += 1;
      next.grant();
    }
  }

  #state(model: string): ModelState {
    let state = this.#models.get(model);
    if (!state) {
      state = { running: 0, capacity: 1, queue: [] };
      this.#models.set(model, state);
    }
    return state;
  }

  #forgetIfIdle(model: string, state: ModelState): void {
    if (state.running === 0 && state.queue.length === 0 && this.#models.get(model) === state) this.#models.delete(model);
  }
}

/** sched.go ErrMaxQueue, two spaces included. */
export const SERVER_BUSY = "server busy, please try again.  maximum pending requests exceeded";

export type Release = () => void;

export type Admission = { kind: "admitted"; release: Release } | { kind: "queue-full" } | { kind: "aborted" };

interface ModelSlots {
  running: number;
  waiting: Array<() => void>;
}

/**
 * Ollama serialises work per model: NUM_PARALLEL requests run at once, the rest wait FIFO, and once
 * MAX_QUEUE requests are waiting (across models) the next one is refused with 503.
 */
export class SlotScheduler {
  readonly #numParallel: number;
  readonly #maxQueue: number;
  readonly #onQueueChange: (queued: number) => void;
  readonly #models = new Map<string, ModelSlots>();
  #queued = 0;

  constructor(options: { numParallel: number; maxQueue: number; onQueueChange: (queued: number) => void }) {
    this.#numParallel = options.numParallel;
    this.#maxQueue = options.maxQueue;
    this.#onQueueChange = options.onQueueChange;
  }

  async acquire(modelKey: string, signal: AbortSignal): Promise<Admission> {
    if (signal.aborted) return { kind: "aborted" };
    const slots = this.#slots(modelKey);
    if (slots.running < this.#numParallel) {
      slots.running++;
      return { kind: "admitted", release: this.#releaser(slots) };
    }
    if (this.#queued >= this.#maxQueue) return { kind: "queue-full" };
    const admitted = await this.#wait(slots, signal);
    if (!admitted) return { kind: "aborted" };
    return { kind: "admitted", release: this.#releaser(slots) };
  }

  // Resolves true once a finishing request hands its slot over, false if the client leaves first.
  #wait(slots: ModelSlots, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const handOver = () => {
        signal.removeEventListener("abort", leave);
        this.#setQueued(this.#queued - 1);
        resolve(true);
      };
      const leave = () => {
        slots.waiting.splice(slots.waiting.indexOf(handOver), 1);
        this.#setQueued(this.#queued - 1);
        resolve(false);
      };
      slots.waiting.push(handOver);
      signal.addEventListener("abort", leave, { once: true });
      this.#setQueued(this.#queued + 1);
    });
  }

  #releaser(slots: ModelSlots): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slots.waiting.shift();
      // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
      if (next) next();
      else slots.running--;
    };
  }

  #slots(modelKey: string): ModelSlots {
    let slots = this.#models.get(modelKey);
    if (!slots) {
      slots = { running: 0, waiting: [] };
      this.#models.set(modelKey, slots);
    }
    return slots;
  }

  #setQueued(queued: number): void {
    this.#queued = queued;
    this.#onQueueChange(queued);
  }
}

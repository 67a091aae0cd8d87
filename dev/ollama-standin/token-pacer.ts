import { EventEmitter } from "node:events";

/**
 * Paces streamed tokens. A change of rate applies to waits already under way, so a test can hold a
 * stream open with a slow rate and then release it with setTokensPerSecond(0).
 */
export class TokenPacer {
  #tokensPerSecond: number;
  readonly #changes = new EventEmitter();

  constructor(tokensPerSecond: number) {
    this.#tokensPerSecond = checkRate(tokensPerSecond);
    this.#changes.setMaxListeners(0);
  }

  get tokensPerSecond(): number {
    return this.#tokensPerSecond;
  }

  set(tokensPerSecond: number): void {
    this.#tokensPerSecond = checkRate(tokensPerSecond);
    this.#changes.emit("change");
  }

  /** Waits out the gap before the next token; at rate 0 it still yields once so sockets flush and aborts land. */
  async beforeNextToken(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    while (!signal.aborted) {
      if (this.#tokensPerSecond <= 0) return new Promise((resolve) => setImmediate(resolve));
      const remaining = 1000 / this.#tokensPerSecond - (performance.now() - started);
      if (remaining <= 0) return;
      await this.#sleep(remaining, signal);
    }
  }

  // Ends at the timeout, at a change of rate (the caller re-plans), or at an abort.
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#changes.off("change", finish);
        signal.removeEventListener("abort", finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#changes.on("change", finish);
      signal.addEventListener("abort", finish, { once: true });
    });
  }
}

function checkRate(tokensPerSecond: number): number {
  if (!Number.isFinite(tokensPerSecond) || tokensPerSecond < 0) {
    throw new TypeError(`tokensPerSecond must be a finite number >= 0, got ${tokensPerSecond}`);
  }
  return tokensPerSecond;
}

import { EventEmitter } from "node:events";

/**
 * Event-driven waiting for tests: state holders call `changed()` whenever something happens, and
 * `until(check)` re-runs the check then, so tests never poll on a timer or sleep.
 */
export class Changes {
  readonly #events = new EventEmitter();

  constructor() {
    this.#events.setMaxListeners(0);
  }

  changed(): void {
    this.#events.emit("change");
  }

  /** Resolves with the first defined (non-false) value of `check`; rejects after `timeoutMs`. */
  until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 5_000): Promise<T> {
    const first = check();
    if (first !== undefined && first !== false && first !== null) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      const onChange = () => {
        let value: T | undefined | false | null;
        try {
          value = check();
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (value === undefined || value === false || value === null) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#events.off("change", onChange);
      };
      this.#events.on("change", onChange);
    });
  }
}

/** One stage of a paid call and the time it took, in ms. */
export interface Stage {
  name: string;
  ms: number;
}

/**
 * Where a paid call's time went (verify, reserve, job, preflight, settle, record), for each transport
 * to report its own way (HTTP: Server-Timing). In workerd the clock advances only across I/O, so a
 * stage that is pure CPU shows as ~0: these are waiting times, which is what dominates here.
 */
export class StageTimes {
  private last = Date.now();
  private readonly stages: Stage[] = [];

  mark(name: string): void {
    const now = Date.now();
    this.stages.push({ name, ms: now - this.last });
    this.last = now;
  }

  list(): Stage[] {
    return [...this.stages];
  }
}

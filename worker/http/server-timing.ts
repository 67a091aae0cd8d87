/**
 * Server-Timing for the paid path (verify, reserve, job, settle, record), so an operator or an agent
 * can see where a paid call's time went. In workerd the clock advances only across I/O, so a stage
 * that is pure CPU shows as ~0: these are waiting times, which is what dominates here.
 */
export class ServerTiming {
  private last = Date.now();
  private readonly entries: string[] = [];

  mark(stage: string): void {
    const now = Date.now();
    this.entries.push(`${stage};dur=${now - this.last}`);
    this.last = now;
  }

  header(): string {
    return this.entries.join(", ");
  }
}

import type { RunnerProcess } from "../../dev/runner-process.ts";

/** Counts the runners' `connected` log lines from now on: each one is a tunnel that dropped and came back. */
export function countReconnects(runners: readonly RunnerProcess[]): { count(): number } {
  let count = 0;
  for (const runner of runners) {
    let partial = "";
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      count += lines.filter((line) => / info connected /.test(line)).length;
    };
    runner.process.child.stdout?.on("data", onData);
    runner.process.child.stderr?.on("data", onData);
  }
  return { count: () => count };
}

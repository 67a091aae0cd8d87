import { createLogger, type Logger } from "../../../../node-runner/log.ts";
import { Changes } from "./wait-until.ts";

/** A real logger (same format as production) whose lines the test can read and wait for. */
export function captureLogger(): { logger: Logger; lines: string[]; waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string> } {
  const lines: string[] = [];
  const changes = new Changes();
  const logger = createLogger({
    level: "debug",
    write: (line) => {
      lines.push(line);
      if (process.env.RUNNER_TEST_LOGS) process.stderr.write(`${line}\n`);
      changes.changed();
    },
  });
  return {
    logger,
    lines,
    waitForLine: (pattern, timeoutMs) => changes.until(() => lines.find((line) => pattern.test(line)), `a log line matching ${pattern}`, timeoutMs),
  };
}

import { formatConfigProblems, loadRunnerConfig, type ConfigSourcesInput } from "../config.ts";
import { startRunner, type RunnerDeps } from "../daemon.ts";
import { createLogger, type Logger } from "../log.ts";

export interface StartIo {
  stderr: (text: string) => void;
  /** Registers a handler for SIGINT and SIGTERM. */
  onSignal: (handler: (signal: string) => void) => void;
}

/** `node-runner start`: runs until a signal stops it; returns the exit code. */
export async function startCommand(sources: ConfigSourcesInput, io: StartIo, deps: RunnerDeps = {}): Promise<number> {
  const loaded = await loadRunnerConfig(sources);
  if (!loaded.ok) {
    io.stderr(`${formatConfigProblems(loaded.problems)}\n`);
    return 2;
  }
  const { config, key, warnings } = loaded;
  const logger: Logger = deps.logger ?? createLogger({ level: config.logLevel, write: (line) => io.stderr(`${line}\n`) });
  for (const warning of warnings) logger.warn(warning);

  const runner = await startRunner(config, { ...deps, key, logger });
  let signals = 0;
  io.onSignal((signal) => {
    signals += 1;
    if (signals === 1) {
      logger.info("signal received; draining (send again to stop at once)", { signal });
      void runner.stop();
    } else {
      logger.warn("second signal; aborting running jobs", { signal });
      void runner.stopNow();
    }
  });
  await runner.stopped;
  logger.info("exit", { code: 0 });
  return 0;
}

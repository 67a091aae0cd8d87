/** One line per step of a long start-up: "  ✓ what (1.2 s)" or "  ✗ what: why". */
export async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  if (process.stdout.isTTY) process.stdout.write(`  … ${what}\r`);
  try {
    const result = await run();
    process.stdout.write(`  ✓ ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (error) {
    process.stdout.write(`  ✗ ${what}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
    throw error;
  }
}

export function warn(message: string): void {
  process.stdout.write(`  ! ${message}\n`);
}

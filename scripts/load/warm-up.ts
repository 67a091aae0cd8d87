/**
 * Unpaid quotes at full concurrency before the clock starts, so the first paid calls do not pay for
 * opening C connections at once (through wrangler dev's proxy a burst of new connections can be reset).
 * Returns how many quotes did not come back as 402.
 */
export async function warmUp(url: string, body: string, concurrency: number, rounds = 2): Promise<number> {
  let failed = 0;
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body }).catch(() => null);
        await response?.arrayBuffer();
        if (response?.status !== 402) failed++;
      }),
    );
  }
  return failed;
}

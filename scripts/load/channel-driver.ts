import { setMaxListeners } from "node:events";
import { channelReceipt, type ChannelReceipt } from "../../client/x402/channels.ts";
import type { ChannelClient } from "./channel-client.ts";
import { paidCall, type CallResult } from "./driver.ts";
import { assertLoopbackUrl } from "./loopback.ts";

/** A paid call by channel, with what its receipt says in numbers (null: no successful receipt). */
export interface ChannelCallResult extends CallResult {
  channel: ChannelReceipt | null;
}

export interface ChannelDriveOptions {
  url: string;
  body: string;
  /** One client per concurrency slot, each with its own channel, and how many calls it sends. */
  slots: ReadonlyArray<{ client: ChannelClient; calls: number }>;
  signal: AbortSignal;
  onProgress?: (done: number) => void;
}

export interface ChannelDriveResult {
  results: ChannelCallResult[];
  wallMs: number;
  /** Client time spent building payloads (vouchers, the deposit authorization): in the wall time, not in latency. */
  signingMs: number;
  signed: number;
}

/**
 * Each slot sends its calls one after another on its own channel (a channel serves one request at
 * a time, and the next voucher is built on the previous receipt), all slots at once. A voucher is
 * signed just before its call — it cannot be signed earlier, since it cumulates what the edge
 * charged so far — and the response goes back to the official client before the next one. No
 * retries: a refusal is recorded as the agent got it (the official client resyncs from a corrective 402).
 */
export async function driveChannels(options: ChannelDriveOptions): Promise<ChannelDriveResult> {
  assertLoopbackUrl(options.url, "the load target");
  const { signal } = options;
  setMaxListeners(Math.max(10, options.slots.length + 1), signal);
  const results: ChannelCallResult[] = [];
  let signingMs = 0;
  let signed = 0;
  const started = performance.now();
  await Promise.all(
    options.slots.map(async ({ client, calls }) => {
      for (let i = 0; i < calls && !signal.aborted; i++) {
        const signingStarted = performance.now();
        const { payload, header } = await client.sign();
        signingMs += performance.now() - signingStarted;
        signed++;
        const outcome = await paidCall(options, header, { payer: client.payer.address, nonce: client.channelId }, "channel");
        if (outcome.headers) await client.observe(payload, outcome.headers, outcome.result.status);
        const ok = outcome.result.status === 200 && outcome.receipt?.success === true;
        results.push({ ...outcome.result, channel: ok ? channelReceipt(outcome.receipt!) : null });
        options.onProgress?.(results.length);
      }
    }),
  );
  return { results, wallMs: performance.now() - started, signingMs, signed };
}

import { decodePaymentResponseHeader } from "@x402/core/http";
import type { SettleResponse } from "@x402/core/types";
import type { ChannelClient } from "../../scripts/load/channel-client.ts";

/** One call paid by channel: the official client signs (before the clock), then the request is timed. */
export interface ChannelCall {
  status: number;
  /** The request alone, signing excluded (as exact's payments are signed before the clock). */
  ms: number;
  receipt: SettleResponse | null;
  /** The start of a refusal's body (empty for a 200). */
  refusal: string;
}

export async function callByChannel(url: string, body: string, client: ChannelClient): Promise<ChannelCall> {
  const { payload, header } = await client.sign();
  const started = performance.now();
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header }, body });
  const text = await response.text();
  const ms = performance.now() - started;
  // The receipt goes back to the official client: the next voucher builds on what this call was charged.
  await client.observe(payload, response.headers, response.status);
  const encoded = response.headers.get("PAYMENT-RESPONSE");
  return { status: response.status, ms, receipt: encoded ? decodePaymentResponseHeader(encoded) : null, refusal: response.status === 200 ? "" : text.slice(0, 300) };
}

/** A call that must be charged: its receipt, or an error saying what the edge answered. */
export async function chargedByChannel(url: string, body: string, client: ChannelClient): Promise<ChannelCall & { receipt: SettleResponse }> {
  const call = await callByChannel(url, body, client);
  if (call.status !== 200 || !call.receipt?.success) throw new Error(`a channel call got HTTP ${call.status}: ${call.refusal} ${JSON.stringify(call.receipt)}`);
  return call as ChannelCall & { receipt: SettleResponse };
}

/**
 * Delivered paid calls per second with one channel per concurrency slot: each client sends `calls`
 * one after another (a channel serves one request at a time), all clients at once. The wall time
 * includes each voucher's signing: a voucher cannot be signed before the last receipt.
 */
export async function channelThroughput(url: string, body: string, clients: readonly ChannelClient[], calls: number): Promise<{ rps: number; failed: number; ok: number }> {
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < calls; i++) {
        const call = await callByChannel(url, body, client);
        if (call.status === 200 && call.receipt?.success) ok++;
        else failed++;
      }
    }),
  );
  return { rps: ok / ((performance.now() - started) / 1000), failed, ok };
}

import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";

/**
 * What the hostile-request properties observe besides the response: whether anything was reserved or
 * charged (the PaymentLedger's tables), and a helper to send a request through the real Worker.
 */

export const ledger = () => env.PAYMENT_LEDGER.getByName("ledger");

/** Rows in the ledger's reservation and payment tables: a refused request must add to neither. */
export async function ledgerCounts(): Promise<{ reservations: number; payments: number }> {
  return runInDurableObject(ledger(), async (_instance, state) => ({
    reservations: Number(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM reservations").one().n),
    payments: Number(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM payments").one().n),
  }));
}

export function post(path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://edge.test${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

/** The JSON inside a base64 header (PAYMENT-REQUIRED), decoded as UTF-8. */
export function headerJson(value: string): unknown {
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))));
}

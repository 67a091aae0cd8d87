/** What is being sold at one URL, as x402 describes it to a buyer. */
export interface PaidResource {
  url: string;
  description: string;
  mimeType: string;
  /** v1 `outputSchema` (x402-hono's shape: input/output descriptions); absent → `{}`. */
  outputSchema?: Record<string, unknown>;
  /** v2 `extensions` (e.g. bazaar discovery), echoed by clients. */
  extensions?: Record<string, unknown>;
}

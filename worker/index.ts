import { createApp } from "./app.ts";
import { offerWasmModule } from "./chain/signatures/isolate-recoverer.ts";
// libsecp256k1 in WebAssembly for the payment checks' signature recovery (wrangler bundles the
// file as a compiled module); only the entry imports it, so Node code never sees a .wasm import.
import secp256k1Wasm from "../node_modules/tiny-secp256k1/lib/secp256k1.wasm";

export { RunnerPool } from "./tunnel/runner-pool.ts";
export { PaymentLedger } from "./payments/ledger/payment-ledger.ts";
export { Relayer } from "./payments/schemes/relayer.ts";
export { PaymentChannel } from "./payments/schemes/batch-settlement/channel-object.ts";
export { ChannelClaims } from "./payments/schemes/batch-settlement/channel-claims.ts";
export { AdminGuard } from "./operator/access/admin-guard.ts";
export { EdgeStats } from "./payments/stats/edge-stats.ts";
export { AlertMonitor } from "./operator/alerts/alert-monitor.ts";

offerWasmModule(() => secp256k1Wasm);

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;

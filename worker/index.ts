import { createApp } from "./app.ts";

export { RunnerPool } from "./tunnel/runner-pool.ts";
export { PaymentLedger } from "./payments/ledger/payment-ledger.ts";
export { Relayer } from "./payments/schemes/relayer.ts";
export { PaymentChannel } from "./payments/schemes/batch-settlement/channel-object.ts";
export { ChannelClaims } from "./payments/schemes/batch-settlement/channel-claims.ts";
export { AdminGuard } from "./operator/access/admin-guard.ts";
export { EdgeStats } from "./payments/stats/edge-stats.ts";
export { AlertMonitor } from "./operator/alerts/alert-monitor.ts";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;

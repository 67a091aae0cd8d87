// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
declare namespace Cloudflare {
  interface Env {
    RELAYER_KEY?: string;
    ADMIN_TOKEN?: string;
    METRICS_TOKEN?: string;
    ALERT_WEBHOOK_URL?: string;
    ALERT_WEBHOOK_TOKEN?: string;
  }
}

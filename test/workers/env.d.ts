declare namespace Cloudflare {
  interface Env {
    TEST_RUNNER_JWKS: string;
  }
}

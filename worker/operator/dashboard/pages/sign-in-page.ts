import { escapeHtml, layout } from "./layout.ts";

/** GET /dashboard without a session: the sign-in form (it POSTs; the token is never in a URL). */
export function signInPage({ message }: { message?: string } = {}): string {
  return layout(
    "edge402 — sign in",
    `<main class="sign-in">
  <h1><span class="logo">edge402</span> operator console</h1>
  <form method="post" action="/dashboard/sign-in" class="card">
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Sign in</button>
    ${message ? `<p class="error" role="alert" data-sign-in-error>${escapeHtml(message)}</p>` : ""}
    <p class="hint">The <code>ADMIN_TOKEN</code> secret of this edge (<code>npm start</code> prints the local one).</p>
  </form>
</main>`,
  );
}

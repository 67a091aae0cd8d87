/**
 * CSRF: a state-changing POST must come from a page of this edge. Browsers send Origin on every
 * POST, so one that is missing or names another origin is refused; SameSite=Strict already keeps
 * the session cookie off cross-site requests, and this holds even where that would not (a
 * same-site but cross-origin page, an old browser).
 */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("Origin");
  return origin !== null && origin === new URL(request.url).origin;
}

/**
 * Every dashboard response: never cached (it is the operator's money), never framed, no inline
 * script or style (CSP: only this edge's own files run), no referrer leaves the origin. (Not
 * `no-referrer`: under it browsers send `Origin: null` on the page's own POSTs, and the CSRF check
 * needs the real origin.)
 */
export const PAGE_HEADERS: Record<string, string> = {
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
};

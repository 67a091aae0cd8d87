/**
 * Every non-402 error the edge returns has one shape — OpenAI's error envelope, so OpenAI clients
 * surface it as is — with a stable snake_case `code` agents can switch on.
 */
export function jsonError(status: number, code: string, message: string, extra?: Record<string, unknown>, headers?: HeadersInit): Response {
  const type = status === 400 || status === 413 || status === 415 ? "invalid_request_error" : status === 404 ? "not_found_error" : "api_error";
  const response = new Response(JSON.stringify({ error: { message, type, code, param: null, ...extra } }), {
    status,
    headers,
  });
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

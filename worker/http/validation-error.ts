import type { z } from "zod";
import { jsonError } from "./json-error.ts";

/** A 400 that lists every problem with the body (path and message), before any payment is asked. */
export function validationError(error: z.ZodError): Response {
  const issues = error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const first = issues[0];
  return jsonError(400, "invalid_request", first ? `${first.path || "body"}: ${first.message}` : "invalid request body", { issues });
}

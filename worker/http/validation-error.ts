import type { z } from "zod";
import { describeIssues } from "../validation/input-issues.ts";
import { jsonError } from "./json-error.ts";

/** A 400 that lists every problem with the body (path and message), before any payment is asked. */
export function validationError(error: z.ZodError): Response {
  const { message, issues } = describeIssues(error, "body");
  return jsonError(400, "invalid_request", message, { issues });
}

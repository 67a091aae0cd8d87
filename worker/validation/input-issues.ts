import type { z } from "zod";

export interface InputIssue {
  path: string;
  message: string;
}

/**
 * Every problem with an input (path and message, at most 20) and a one-line summary of the first:
 * what a 400 body and an MCP tool error both report.
 */
export function describeIssues(error: z.ZodError, whole: string): { message: string; issues: InputIssue[] } {
  const issues = error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const first = issues[0];
  return { message: first ? `${first.path || whole}: ${first.message}` : `invalid ${whole}`, issues };
}

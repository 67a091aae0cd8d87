import { readFile } from "node:fs/promises";
import { z } from "zod";

/**
 * The parts of `.edge402/stack.json` (written by `npm start`, see scripts/lib/stack-file.ts) that the
 * pay CLI uses as defaults. Everything is optional here: the file belongs to another tool, and a field
 * it stops writing must not break a call that passes the value by flag or environment.
 */
const StackDefaultsSchema = z.object({
  edgeUrl: z.string().optional(),
  rpcUrl: z.string().optional(),
  network: z.string().optional(),
  payerKey: z.string().optional(),
  payerKeyNote: z.string().optional(),
});
export type StackDefaults = z.infer<typeof StackDefaultsSchema>;

export type StackLoad =
  | { status: "ok"; path: string; stack: StackDefaults }
  | { status: "missing"; path: string }
  | { status: "invalid"; path: string; problem: string };

export async function loadStackDefaults(path: string): Promise<StackLoad> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT") return { status: "missing", path };
    return { status: "invalid", path, problem: `${path} cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: "invalid", path, problem: `${path} is not valid JSON` };
  }
  const parsed = StackDefaultsSchema.safeParse(json);
  if (!parsed.success) {
    return { status: "invalid", path, problem: `${path} is not a stack file (check ${parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")})` };
  }
  return { status: "ok", path, stack: parsed.data };
}

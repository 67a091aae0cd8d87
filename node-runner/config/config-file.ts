import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { Values } from "./config-schema.ts";
import { CONFIG_FIELDS, type ConfigField } from "./fields.ts";

/** The optional JSON config file: an object whose keys are the setting names. */
export async function readConfigFile(path: string): Promise<{ values: Values; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error && error.code === "ENOENT" ? "does not exist" : "cannot be read";
    return { values: {}, problems: [`config file ${path} ${reason}`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { values: {}, problems: [`config file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const parsed = z.record(z.string(), z.unknown()).safeParse(json);
  if (!parsed.success || Array.isArray(json)) return { values: {}, problems: [`config file ${path} must hold a JSON object`] };
  const values: Values = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed.data)) {
    if (key in CONFIG_FIELDS) values[key as ConfigField] = value;
    // A typo in a key would otherwise silently fall back to the default.
    else problems.push(`config file ${path}: unknown setting "${key}" (known: ${Object.keys(CONFIG_FIELDS).join(", ")})`);
  }
  return { values, problems };
}

// api.Options.FromMap: the option types Ollama checks when it schedules the model. A wrong type is a
// 500 ("option \"num_ctx\" must be of type integer"); unknown keys are ignored with a log line.

type OptionType = "integer" | "float32" | "boolean" | "array";

const OPTION_TYPES: Readonly<Record<string, OptionType>> = {
  num_ctx: "integer",
  num_batch: "integer",
  num_gpu: "integer",
  main_gpu: "integer",
  use_mmap: "boolean",
  num_thread: "integer",
  draft_num_predict: "integer",
  num_keep: "integer",
  seed: "integer",
  num_predict: "integer",
  top_k: "integer",
  top_p: "float32",
  min_p: "float32",
  typical_p: "float32",
  repeat_last_n: "integer",
  temperature: "float32",
  repeat_penalty: "float32",
  presence_penalty: "float32",
  frequency_penalty: "float32",
  stop: "array",
};

/** What the stand-in acts on. */
export interface RunOptions {
  /** Undefined or <= 0: no limit. */
  numPredict: number | undefined;
  stop: string[];
  numCtx: number | undefined;
}

export type OptionsResult = { ok: true; options: RunOptions } | { ok: false; message: string };

export function readOptions(raw: Record<string, unknown> | undefined): OptionsResult {
  const options: RunOptions = { numPredict: undefined, stop: [], numCtx: undefined };
  for (const [key, value] of Object.entries(raw ?? {})) {
    const type = OPTION_TYPES[key];
    if (type === undefined || value === null) continue;
    const problem = typeProblem(key, type, value);
    if (problem) return { ok: false, message: problem };
    // Go truncates a float given for an integer option (int64(t)).
    if (key === "num_predict" && typeof value === "number") options.numPredict = Math.trunc(value);
    if (key === "num_ctx" && typeof value === "number") options.numCtx = Math.trunc(value);
    if (key === "stop" && Array.isArray(value)) options.stop = value.filter((s): s is string => typeof s === "string");
  }
  return { ok: true, options };
}

function typeProblem(key: string, type: OptionType, value: unknown): string | undefined {
  const name = JSON.stringify(key);
  switch (type) {
    case "integer":
      return typeof value === "number" ? undefined : `option ${name} must be of type integer`;
    case "float32":
      return typeof value === "number" ? undefined : `option ${name} must be of type float32`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `option ${name} must be of type boolean`;
    case "array":
      if (!Array.isArray(value)) return `option ${name} must be of type array`;
      return value.every((item) => typeof item === "string") ? undefined : `option ${name} must be of an array of strings`;
  }
}

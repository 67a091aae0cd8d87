import type { ChatJob, ChatMessage, JobMetrics } from "../../../protocol/job.ts";
import type { ServiceOffer } from "../../config/services-config.ts";
import { jsonSchemaOf } from "../../offers/json-schemas.ts";
import { collectOutput, startJob, type JobFailure, type StartJobOptions } from "../../jobs/start-job.ts";
import type { RunnerPool } from "../../tunnel/runner-pool.ts";

/** Generation settings per attempt: deterministic first; a little temperature for the one retry. */
const ATTEMPTS = [{ temperature: 0 }, { temperature: 0.3, seed: 7 }] as const;
/** Room for an image (Qwen2.5-VL: ≥1024 tokens) plus prompt and answer; Ollama's default is 4096. */
const VISION_CONTEXT = 8192;

export type StructuredResult =
  | { ok: true; output: unknown; runnerId: string; metrics: JobMetrics }
  | { ok: false; failure: JobFailure };

/**
 * Runs a catalog service as a chat job whose output is constrained by Ollama's `format` (the JSON
 * Schema of the service's model output), then parses, repairs and validates it. Output that still
 * does not fit is retried once; a second failure is `invalid_output` — nothing billable.
 */
export async function runStructured(
  pool: DurableObjectStub<RunnerPool>,
  offer: ServiceOffer,
  input: unknown,
  image: string | null,
  options: StartJobOptions,
): Promise<StructuredResult> {
  const { definition } = offer;
  const { system, user } = definition.prompt(input);
  const messages: ChatMessage[] = [
    { role: "system", content: system },
    image ? { role: "user", content: user, images: [image] } : { role: "user", content: user },
  ];
  const total = emptyMetrics();
  let problem = "";
  for (const settings of ATTEMPTS) {
    const job: ChatJob = {
      kind: "chat",
      model: offer.model,
      messages,
      format: jsonSchemaOf(definition.modelOutput),
      options: { ...settings, num_predict: definition.maxOutputTokens, ...(image ? { num_ctx: VISION_CONTEXT } : {}) },
    };
    const started = await startJob(pool, job, options);
    if (!started.ok) return started;
    const collected = await collectOutput(started);
    if (!collected.ok) return collected;
    addMetrics(total, collected.output.done.metrics);
    const checked = interpret(offer, input, collected.output.content);
    if (checked.ok) return { ok: true, output: checked.output, runnerId: started.runnerId, metrics: total };
    problem = checked.problem;
  }
  return { ok: false, failure: { code: "invalid_output", message: `the model's answer did not fit the ${definition.id} schema (twice): ${problem}` } };
}

function interpret(offer: ServiceOffer, input: unknown, content: string): { ok: true; output: unknown } | { ok: false; problem: string } {
  const { definition } = offer;
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { ok: false, problem: "not JSON" };
  }
  const parsed = definition.modelOutput.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}` };
  }
  const finished = definition.finish(input, parsed.data);
  if (!finished.ok) return finished;
  // finish() is ours, but the agent is promised exactly `output`: check it like any other boundary.
  const output = definition.output.safeParse(finished.output);
  return output.success ? { ok: true, output: output.data } : { ok: false, problem: `finished output invalid: ${output.error.issues[0]?.message ?? ""}` };
}

function emptyMetrics(): JobMetrics {
  return { prompt_eval_count: 0, eval_count: 0, total_duration: 0, load_duration: 0, prompt_eval_duration: 0, eval_duration: 0 };
}

function addMetrics(total: JobMetrics, add: JobMetrics) {
  for (const key of Object.keys(total) as Array<keyof JobMetrics>) total[key] += add[key];
}

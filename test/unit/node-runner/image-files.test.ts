import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Ollama as NodeOllama } from "ollama";
import type { JobSpec } from "../../../protocol/job.ts";
import { createOllamaExecutor } from "../../../node-runner/jobs/ollama-executor.ts";
import { chatDelta, fakeFetch, FINAL_CHAT, ndjson } from "./support/fake-fetch.ts";

// ollama-js 0.6.4's Node build reads any `images` string that names an existing file and sends the
// file's bytes to Ollama. The runner takes jobs from the edge, whose images come from strangers: the
// executor must never let such a string reach that code. The protocol refuses non-image strings
// (ollama-executor.test.ts); these tests feed the executor a spec that skipped the protocol, and
// check that even then no file of the operator's is read.

const dir = mkdtempSync(join(tmpdir(), "runner-image-files-"));
const SECRET = "OPERATOR-SECRET-6c1f0e2b9a: this file must never be sent to a model";
const secretFile = join(dir, "id_rsa");
writeFileSync(secretFile, SECRET, { mode: 0o600 });
const secretBase64 = Buffer.from(SECRET).toString("base64");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const replyOk = () => fakeFetch(() => ndjson([chatDelta("a cat"), FINAL_CHAT]));

describe("image strings that name files on the runner's disk", () => {
  it("the hazard: ollama-js's Node build sends the contents of a file named in `images`", async () => {
    const { fetch, calls } = replyOk();
    const ollama = new NodeOllama({ host: "http://127.0.0.1:11434", fetch });
    const stream = await ollama.chat({ model: "qwen2.5vl:7b", stream: true, messages: [{ role: "user", content: "x", images: [secretFile] }] });
    for await (const _ of stream) void _;
    expect(JSON.stringify(calls[0]?.body)).toContain(secretBase64);
  });

  it.each([
    ["an absolute path", secretFile],
    ["a path relative to the runner's working directory", relative(process.cwd(), secretFile)],
  ])("the executor never reads %s, even in a spec that skipped validation (chat and generate)", async (_name, path) => {
    const specs: JobSpec[] = [
      { kind: "chat", model: "qwen2.5vl:7b", messages: [{ role: "user", content: "describe", images: [path] }] },
      { kind: "generate", model: "qwen2.5vl:7b", prompt: "describe", images: [path] },
    ];
    for (const spec of specs) {
      const { fetch, calls } = fakeFetch(() =>
        spec.kind === "chat" ? ndjson([chatDelta("a"), FINAL_CHAT]) : ndjson([{ response: "a", done: false }, { response: "", done: true, done_reason: "stop" }]),
      );
      await createOllamaExecutor({ host: "http://127.0.0.1:11434", fetch })(spec, new AbortController().signal, () => {});
      const sent = JSON.stringify(calls[0]?.body);
      expect(sent).not.toContain(secretBase64);
      expect(sent).not.toContain(SECRET);
      // What went out is the string itself taken as base64 (garbage to the model), never the file.
      const images = spec.kind === "chat" ? (calls[0]?.body as { messages: Array<{ images: string[] }> }).messages[0]!.images : (calls[0]?.body as { images: string[] }).images;
      expect(images).toEqual([Buffer.from(path, "base64").toString("base64")]);
    }
  });
});

import type { StandinModel } from "./types.ts";

// The models of the seed services, with the facts OLLAMA_API.md §6 gives for them.
export const DEFAULT_STANDIN_MODELS: StandinModel[] = [
  { name: "qwen2.5:7b", capabilities: ["completion", "tools"], family: "qwen2", parameterSize: "7.6B", quantization: "Q4_K_M", embeddingLength: 3584, contextLength: 32768 },
  { name: "qwen2.5vl:7b", capabilities: ["completion", "vision"], family: "qwen25vl", parameterSize: "8.3B", quantization: "Q4_K_M", embeddingLength: 3584, contextLength: 128000 },
  { name: "qwen2.5:0.5b", capabilities: ["completion", "tools"], family: "qwen2", parameterSize: "494.03M", quantization: "Q4_K_M", embeddingLength: 896, contextLength: 32768 },
  { name: "qwen3:0.6b", capabilities: ["completion", "tools", "thinking"], family: "qwen3", parameterSize: "751.63M", quantization: "Q4_K_M", embeddingLength: 1024, contextLength: 40960 },
  { name: "smollm2:135m", capabilities: ["completion"], family: "llama", parameterSize: "134.52M", quantization: "F16", embeddingLength: 576, contextLength: 8192 },
  { name: "all-minilm", capabilities: ["embedding"], family: "bert", parameterSize: "23M", quantization: "F16", embeddingLength: 384, contextLength: 512 },
  { name: "nomic-embed-text", capabilities: ["embedding"], family: "nomic-bert", parameterSize: "137M", quantization: "F16", embeddingLength: 768, contextLength: 2048 },
];

/** What `ollama list` shows for the real models: digest prefix (the ID) and size on disk. */
export const KNOWN_BLOBS: Readonly<Record<string, { idPrefix: string; sizeBytes: number }>> = {
  "qwen2.5:7b": { idPrefix: "845dbda0ea48", sizeBytes: 4_683_087_332 },
  "qwen2.5vl:7b": { idPrefix: "5ced39dfa4ba", sizeBytes: 5_969_245_856 },
  "qwen2.5:0.5b": { idPrefix: "a8b0c5157701", sizeBytes: 397_821_319 },
  "qwen3:0.6b": { idPrefix: "7df6b6e09427", sizeBytes: 522_653_767 },
  "smollm2:135m": { idPrefix: "9077fe9d2ae1", sizeBytes: 270_898_672 },
  "all-minilm:latest": { idPrefix: "1b226e2802db", sizeBytes: 45_960_996 },
  "nomic-embed-text:latest": { idPrefix: "0a109f422b47", sizeBytes: 274_302_450 },
};

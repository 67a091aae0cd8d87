import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../../node-runner/clock.ts";
import { createChunkBatcher, type Batch } from "../../../node-runner/jobs/chunk-batcher.ts";

describe("chunk batcher", () => {
  let sent: Batch[];
  const make = () => createChunkBatcher({ clock: systemClock, emit: (batch) => sent.push(batch) });

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  it("sends the first delta at once, alone", () => {
    const batcher = make();
    batcher.push({ content: "Hel" });
    expect(sent).toEqual([{ content: "Hel", thinking: "" }]);
  });

  it("skips empty deltas (Ollama's final chunk) instead of treating them as the first token", () => {
    const batcher = make();
    batcher.push({ content: "" });
    expect(sent).toEqual([]);
    batcher.push({ content: "a" });
    expect(sent).toEqual([{ content: "a", thinking: "" }]);
  });

  it("merges later deltas and flushes 25 ms after the first buffered one", () => {
    const batcher = make();
    batcher.push({ content: "a" });
    batcher.push({ content: "b" });
    vi.advanceTimersByTime(10);
    batcher.push({ content: "c", thinking: "hmm" });
    vi.advanceTimersByTime(14);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      { content: "a", thinking: "" },
      { content: "bc", thinking: "hmm" },
    ]);
    // The next batch starts its own 25 ms window.
    batcher.push({ content: "d" });
    vi.advanceTimersByTime(24);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual({ content: "d", thinking: "" });
  });

  it("flushes as soon as 2048 characters are buffered", () => {
    const batcher = make();
    batcher.push({ content: "x" });
    batcher.push({ content: "y".repeat(2000) });
    expect(sent).toHaveLength(1);
    batcher.push({ content: "z".repeat(48) });
    expect(sent).toHaveLength(2);
    expect(sent[1]?.content).toHaveLength(2048);
    // No leftover timer fires an empty batch.
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
  });

  it("flush() empties the buffer before done/error, and dispose() stops the timer", () => {
    const batcher = make();
    batcher.push({ content: "a" });
    batcher.push({ content: "b" });
    batcher.flush();
    expect(sent.map((b) => b.content)).toEqual(["a", "b"]);
    batcher.flush();
    expect(sent).toHaveLength(2);
    batcher.push({ content: "c" });
    batcher.dispose();
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
  });
});

import { describe, expect, it } from "vitest";
import { ModelSlots, type SlotLease, type SlotRequest } from "../../../node-runner/jobs/model-slots.ts";

const granted = (request: SlotRequest): Promise<SlotLease> => {
  if (!request.ok) throw new Error("expected the request to be accepted");
  return request.granted;
};

/** Records the order in which queued requests get their slot. */
function track(order: string[], name: string, request: SlotRequest): Promise<SlotLease> {
  return granted(request).then((lease) => {
    order.push(name);
    return lease;
  });
}

describe("model slots", () => {
  it("runs up to capacity at once and queues the rest in FIFO order", async () => {
    const slots = new ModelSlots(4);
    const signal = new AbortController().signal;
    const order: string[] = [];
    const a = track(order, "a", slots.request("m", 2, signal));
    const b = track(order, "b", slots.request("m", 2, signal));
    const c = track(order, "c", slots.request("m", 2, signal));
    const d = track(order, "d", slots.request("m", 2, signal));
    await Promise.all([a, b]);
    expect(order).toEqual(["a", "b"]);
    expect(slots.load("m")).toEqual({ running: 2, queued: 2 });

    (await b).release();
    await c;
    expect(order).toEqual(["a", "b", "c"]);
    (await a).release();
    (await a).release(); // a second release is a no-op, not a free slot
    await d;
    expect(order).toEqual(["a", "b", "c", "d"]);
    expect(slots.load("m")).toEqual({ running: 2, queued: 0 });
  });

  it("keeps models apart", async () => {
    const slots = new ModelSlots(0);
    const signal = new AbortController().signal;
    await granted(slots.request("a", 1, signal));
    await granted(slots.request("b", 1, signal));
    expect(slots.request("a", 1, signal).ok).toBe(false);
  });

  it("refuses beyond the queue limit, with the load for the message", async () => {
    const slots = new ModelSlots(1);
    const signal = new AbortController().signal;
    await granted(slots.request("m", 1, signal));
    void granted(slots.request("m", 1, signal));
    expect(slots.request("m", 1, signal)).toEqual({ ok: false, running: 1, queued: 1 });
  });

  it("drops a queued request whose job is aborted, and its place goes to the next", async () => {
    const slots = new ModelSlots(4);
    const running = await granted(slots.request("m", 1, new AbortController().signal));
    const aborted = new AbortController();
    const waiting = granted(slots.request("m", 1, aborted.signal));
    const next = granted(slots.request("m", 1, new AbortController().signal));
    aborted.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    expect(slots.load("m")).toEqual({ running: 1, queued: 1 });
    running.release();
    await next;
    expect(slots.load("m")).toEqual({ running: 1, queued: 0 });
  });

  it("frees the slot of a running job when it is released after an abort", async () => {
    const slots = new ModelSlots(0);
    const job = new AbortController();
    const lease = await granted(slots.request("m", 1, job.signal));
    job.abort();
    lease.release();
    expect(slots.load("m")).toEqual({ running: 0, queued: 0 });
    await granted(slots.request("m", 1, new AbortController().signal));
  });
});

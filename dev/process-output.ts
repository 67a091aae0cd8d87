/**
 * Every byte the test's child processes print (wrangler dev and its workerd, node-runner, anvil, the
 * pay CLI), streamed to whoever listens. ManagedProcess.output() keeps only a bounded tail, and anvil
 * keeps less; a test that must see everything (e.g. that no secret is ever logged) records it here.
 */

export type OutputStream = "stdout" | "stderr";
export type OutputListener = (source: { name: string; pid: number; stream: OutputStream }, chunk: string) => void;

const listeners = new Set<OutputListener>();

/** Called by the process starters for each chunk a child writes. */
export function reportProcessOutput(name: string, pid: number, stream: OutputStream, chunk: string): void {
  for (const listener of listeners) listener({ name, pid, stream }, chunk);
}

export interface Transcript {
  /** e.g. "node-runner", "wrangler dev", "anvil" */
  name: string;
  pid: number;
  stream: OutputStream;
  text: string;
}

export interface OutputRecorder {
  /** One transcript per process and stream, each complete and in order. */
  transcripts(): Transcript[];
  stop(): void;
}

/** Records the complete output of every child process started (or still printing) from now on. */
export function recordProcessOutput(): OutputRecorder {
  const byKey = new Map<string, Transcript>();
  const listener: OutputListener = ({ name, pid, stream }, chunk) => {
    // Streams are kept apart: interleaving stdout and stderr chunks could split a secret in two.
    const key = `${pid}:${stream}`;
    const transcript = byKey.get(key) ?? { name, pid, stream, text: "" };
    transcript.text += chunk;
    byKey.set(key, transcript);
  };
  listeners.add(listener);
  return {
    transcripts: () => [...byKey.values()],
    stop: () => listeners.delete(listener),
  };
}

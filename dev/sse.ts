/**
 * Reads a whole SSE response as OpenAI clients do: `data:` lines, JSON unless `[DONE]`.
 * `onEvent` sees each event the moment it is parsed (for assertions about timing order).
 */
export async function readSse(response: Response, onEvent?: (event: unknown) => void): Promise<unknown[]> {
  const events: unknown[] = [];
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = response.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      for (const line of block.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        const event = data === "[DONE]" ? data : (JSON.parse(data) as unknown);
        events.push(event);
        onEvent?.(event);
      }
    }
  }
  return events;
}

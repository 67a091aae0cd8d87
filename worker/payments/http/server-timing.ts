import type { Stage } from "../core/stage-times.ts";

/** A paid call's stages as an HTTP Server-Timing header (`verify;dur=2, reserve;dur=21, …`). */
export function serverTimingHeader(stages: readonly Stage[]): string {
  return stages.map((s) => `${s.name};dur=${s.ms}`).join(", ");
}

import { goQuote } from "./quote.ts";

// Go's time.ParseDuration, which Ollama applies to a string keep_alive ("5m", "1h30m", "300ms").

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseGoDuration(original: string): DurationResult {
  const invalid = (): DurationResult => ({ ok: false, message: `time: invalid duration ${goQuote(original)}` });
  let rest = original;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return { ok: true, ms: 0 };
  if (rest === "") return invalid();
  let totalMs = 0;
  while (rest !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const whole = number?.[1] ?? "";
    const fractionDigits = number?.[2];
    if (whole === "" && (fractionDigits === undefined || fractionDigits === "")) return invalid();
    rest = rest.slice(number?.[0].length ?? 0);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? "";
    rest = rest.slice(unit.length);
    if (unit === "") return { ok: false, message: `time: missing unit in duration ${goQuote(original)}` };
    const scale = UNIT_MS[unit];
    if (scale === undefined) return { ok: false, message: `time: unknown unit ${goQuote(unit)} in duration ${goQuote(original)}` };
    totalMs += Number(`${whole || "0"}.${fractionDigits ?? ""}0`) * scale;
  }
  return { ok: true, ms: negative ? -totalMs : totalMs };
}

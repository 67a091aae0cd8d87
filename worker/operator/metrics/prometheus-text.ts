/**
 * The Prometheus text exposition format (version 0.0.4), written by hand because it is small: one
 * `# HELP` and `# TYPE` per family, then its samples; label values escaped (\\, \", \n). Values are
 * passed as strings so integers in base units go out exactly as the ledger has them (a float64
 * parse on the scraper's side is Prometheus' own business).
 */
export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: string | number;
}

export interface HistogramSample {
  labels: Labels;
  /** Upper bounds in seconds, ascending, without +Inf. */
  bounds: readonly number[];
  /** Non-cumulative counts per bound, then the +Inf bucket (bounds.length + 1 entries). */
  buckets: readonly number[];
  sum: number;
}

export class PrometheusText {
  private readonly lines: string[] = [];

  counter(name: string, help: string, samples: readonly Sample[]): this {
    if (!name.endsWith("_total")) throw new Error(`counter ${name} must end in _total`);
    return this.family(name, "counter", help, samples);
  }

  gauge(name: string, help: string, samples: readonly Sample[]): this {
    return this.family(name, "gauge", help, samples);
  }

  histogram(name: string, help: string, samples: readonly HistogramSample[]): this {
    this.header(name, "histogram", help);
    for (const s of samples) {
      let cumulative = 0;
      s.bounds.forEach((bound, i) => {
        cumulative += s.buckets[i] ?? 0;
        this.lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(bound) })} ${cumulative}`);
      });
      cumulative += s.buckets[s.bounds.length] ?? 0;
      this.lines.push(`${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${cumulative}`);
      this.lines.push(`${name}_sum${labelText(s.labels)} ${number(s.sum)}`);
      this.lines.push(`${name}_count${labelText(s.labels)} ${cumulative}`);
    }
    return this;
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }

  private family(name: string, type: string, help: string, samples: readonly Sample[]): this {
    this.header(name, type, help);
    for (const s of samples) this.lines.push(`${name}${labelText(s.labels)} ${typeof s.value === "number" ? number(s.value) : s.value}`);
    return this;
  }

  private header(name: string, type: string, help: string) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

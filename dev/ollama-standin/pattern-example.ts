// The shortest-ish string a simple regular expression accepts: the first branch of each alternation,
// the first character of each class, the fewest repetitions. Enough for the patterns structured-output
// schemas carry (codes like ^INV-\d+$ or ^[A-Z]{3}$); the caller checks the result against the pattern.

export function patternExample(source: string): string | undefined {
  try {
    const parser = new PatternParser(source);
    const text = parser.alternation();
    return parser.atEnd() ? text : undefined;
  } catch {
    return undefined;
  }
}

const CLASS_ESCAPES: Readonly<Record<string, string>> = { d: "0", w: "a", s: " ", D: "a", W: "-", S: "a" };
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v", "0": "\0" };
// Tried in order when a negated class has to exclude characters.
const FALLBACK_CHARACTERS = ["a", "x", "0", "A", "_", "-", " "];

class PatternParser {
  #at = 0;
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
  }

  atEnd(): boolean {
    return this.#at >= this.#source.length;
  }

  alternation(): string {
    const first = this.#sequence();
    while (this.#peek() === "|") {
      this.#at++;
      this.#sequence(); // later branches are parsed to move past them, not used
    }
    return first;
  }

  #sequence(): string {
    let text = "";
    while (!this.atEnd() && this.#peek() !== "|" && this.#peek() !== ")") {
      const atom = this.#atom();
      const count = this.#quantifier();
      text += atom.repeat(count);
    }
    return text;
  }

  #atom(): string {
    const c = this.#next();
    if (c === "^" || c === "$") return "";
    if (c === ".") return "a";
    if (c === "[") return this.#characterClass();
    if (c === "\\") return this.#escape(false);
    if (c !== "(") return c;
    const lookaround = this.#source.startsWith("?=", this.#at) || this.#source.startsWith("?!", this.#at) || this.#source.startsWith("?<=", this.#at) || this.#source.startsWith("?<!", this.#at);
    if (this.#source.startsWith("?:", this.#at)) this.#at += 2;
    else if (this.#source.startsWith("?<", this.#at) && !lookaround) this.#at = this.#source.indexOf(">", this.#at) + 1;
    else if (lookaround) this.#at += this.#source[this.#at + 1] === "<" ? 3 : 2;
    const inner = this.alternation();
    if (this.#next() !== ")") throw new SyntaxError("unclosed group");
    return lookaround ? "" : inner;
  }

  #quantifier(): number {
    const c = this.#peek();
    let count = 1;
    if (c === "*" || c === "?") count = 0;
    else if (c === "+") count = 1;
    else if (c === "{" && /^\{\d+(,\d*)?\}/.test(this.#source.slice(this.#at))) {
      const match = /^\{(\d+)(,\d*)?\}/.exec(this.#source.slice(this.#at));
      this.#at += match?.[0].length ?? 0;
      if (this.#peek() === "?") this.#at++;
      return Number(match?.[1] ?? 1);
    } else return 1;
    this.#at++;
    if (this.#peek() === "?") this.#at++; // lazy
    return count;
  }

  #characterClass(): string {
    const negated = this.#peek() === "^";
    if (negated) this.#at++;
    const members: Array<(ch: string) => boolean> = [];
    let first: string | undefined;
    let closed = false;
    while (!this.atEnd()) {
      let c = this.#next();
      if (c === "]" && (members.length > 0 || first !== undefined)) {
        closed = true;
        break;
      }
      if (c === "\\") {
        const escaped = this.#source[this.#at] ?? "";
        if (escaped in CLASS_ESCAPES) {
          this.#at++;
          const sample = CLASS_ESCAPES[escaped] ?? "a";
          first ??= sample;
          members.push((ch) => new RegExp(`\\${escaped}`).test(ch));
          continue;
        }
        c = this.#escape(true);
      }
      if (this.#peek() === "-" && this.#source[this.#at + 1] !== "]" && this.#at + 1 < this.#source.length) {
        this.#at++;
        let end = this.#next();
        if (end === "\\") end = this.#escape(true);
        const low = c.codePointAt(0) ?? 0;
        const high = end.codePointAt(0) ?? 0;
        first ??= c;
        members.push((ch) => (ch.codePointAt(0) ?? -1) >= low && (ch.codePointAt(0) ?? -1) <= high);
        continue;
      }
      first ??= c;
      members.push((ch) => ch === c);
    }
    if (!closed) throw new SyntaxError("unclosed class");
    if (!negated) return first ?? "a";
    const allowed = FALLBACK_CHARACTERS.find((ch) => !members.some((member) => member(ch)));
    if (allowed === undefined) throw new SyntaxError("no character fits");
    return allowed;
  }

  #escape(inClass: boolean): string {
    const c = this.#next();
    if (!inClass && c in CLASS_ESCAPES) return CLASS_ESCAPES[c] ?? "a";
    if (!inClass && (c === "b" || c === "B")) return "";
    if (c in CONTROL_ESCAPES) return CONTROL_ESCAPES[c] ?? "";
    if (c === "u" && /^[0-9a-fA-F]{4}/.test(this.#source.slice(this.#at))) {
      const hex = this.#source.slice(this.#at, this.#at + 4);
      this.#at += 4;
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (c === "x" && /^[0-9a-fA-F]{2}/.test(this.#source.slice(this.#at))) {
      const hex = this.#source.slice(this.#at, this.#at + 2);
      this.#at += 2;
      return String.fromCharCode(parseInt(hex, 16));
    }
    return c;
  }

  #peek(): string {
    return this.#source[this.#at] ?? "";
  }

  #next(): string {
    const c = this.#source[this.#at];
    if (c === undefined) throw new SyntaxError("unexpected end of pattern");
    this.#at++;
    return c;
  }
}

import fc from "fast-check";
import { getAddress, type Address } from "viem";
import { bytesToBase64, bytesToHex } from "../../protocol/base64.ts";

/**
 * fast-check arbitraries for hostile input, shared by the Node property tests (test/unit/hostile)
 * and the ones that go through workerd (test/workers/hostile-requests.test.ts). Nothing here
 * imports node: modules, so both runtimes can load it.
 */

// ------------------------------------------------------------------ text

/** Code units that break naive text handling: NUL, lone surrogates, BOM, bidi override, look-alike digits. */
const SPECIAL_UNITS = ["\u0000", "\ud800", "\udfff", "\ufeff", "\u202e", "\u2028", "\u00a0", "\uffff", "𝟘", "١", "１", "\\", '"', "\r", "\n", "\t", "%", "{", "["];
/** Strings that mean something to JavaScript, shells or parsers. */
const LOADED_WORDS = ["", " ", "__proto__", "constructor", "prototype", "toString", "null", "undefined", "NaN", "Infinity", "-0", "true", "${x}", "=cmd()", "../../etc/passwd"];

const hostileUnit = fc.oneof(
  fc.constantFrom(...SPECIAL_UNITS),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);

/** Short text of any UTF-16 content, lone surrogates included. */
export const hostileText = (maxLength = 48): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: fc.string({ unit: hostileUnit, maxLength }) }, { weight: 1, arbitrary: fc.constantFrom(...LOADED_WORDS) });

/** Text of 2-4-byte UTF-8 characters (and lone surrogates): small in characters, large in bytes. */
export const multibyteText = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom("é", "中", "😀", "\u202e", "\ud800", "\udfff", "\u00a0", "١"), minLength, maxLength });

/**
 * One code point repeated `minLength`..`maxLength` times, past a field limit. (zod measures strings
 * in code points, so a limit is crossed by code points, not UTF-16 units.)
 */
export const oversizedText = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.tuple(fc.oneof(fc.constantFrom(...SPECIAL_UNITS), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), fc.integer({ min: minLength, max: maxLength })).map(([unit, n]) => unit.repeat(n));

/**
 * Text that can travel in an HTTP header value (no NUL/CR/LF), as Headers require: Latin-1 by
 * default; `maxCode` 0x7e keeps it ASCII (workerd warns about, and re-encodes, anything above).
 */
export const headerSafeText = (maxLength = 256, maxCode = 0xff): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: maxCode }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)),
    maxLength,
  });

// ------------------------------------------------------------------ numbers

const MAX_UINT256 = 2n ** 256n - 1n;

/**
 * Text that looks like an amount or a timestamp but is not a canonical non-negative decimal integer
 * below 2^256: every way a client (or an attacker) gets that wrong.
 */
export const invalidUintText: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: MAX_UINT256 + 1n, max: 2n ** 320n }).map(String), // past 2^256
  fc.bigInt({ min: -(2n ** 256n), max: -1n }).map(String), // negative
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.integer({ min: 0, max: 999_999 })).map(([i, f]) => `${i}.${f}`), // fractional
  fc.bigInt({ min: 0n, max: MAX_UINT256 }).map((v) => `0x${v.toString(16)}`), // hex
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 400 })).map(([m, e]) => `${m}e${e}`), // exponent
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map((v) => `+${v}`), // leading plus
  fc.bigInt({ min: 1n, max: 10n ** 30n }).map((v) => `0${v}`), // leading zero
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map((v) => ` ${v}`), // whitespace
  fc.bigInt({ min: 0n, max: 10n ** 12n }).map((v) => String(v).replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))), // full-width digits
  fc.bigInt({ min: 1000n, max: 10n ** 30n }).map((v) => String(v).replace(/(\d)(?=(\d{3})+$)/g, "$1_")), // separators
  fc.constantFrom("", "-0", "0x", "NaN", "Infinity", "1n", "12345\u0000"),
);

/** JSON numbers where a decimal string belongs (type confusion), including ones past 2^53 and 2^256. */
export const numberWhereTextBelongs: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 53 + 2, 2 ** 256, -1, 0.5, 1e308),
);

// ------------------------------------------------------------------ addresses

export const anyAddress: fc.Arbitrary<Address> = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(`0x${bytesToHex(bytes)}`));

/** The casings EIP-55 treats as the same address: all lower, all upper, or the checksum. */
export const ADDRESS_CASINGS = ["lower", "upper", "checksummed"] as const;
export type AddressCasing = (typeof ADDRESS_CASINGS)[number];

export function recase(address: string, casing: AddressCasing): string {
  const body = address.slice(2);
  if (casing === "lower") return `0x${body.toLowerCase()}`;
  if (casing === "upper") return `0x${body.toUpperCase()}`;
  return getAddress(address);
}

/**
 * The checksummed form with one letter's case flipped: mixed case whose EIP-55 checksum is wrong.
 * Null for the rare address whose checksum form has no letter that can flip without becoming
 * single-case (then there is no such corruption).
 */
export function badChecksum(address: string, pick: number): string | null {
  const checksummed = getAddress(address);
  const letters = [...checksummed.slice(2)].flatMap((c, i) => (/[a-fA-F]/.test(c) ? [i + 2] : []));
  for (let k = 0; k < letters.length; k++) {
    const i = letters[(pick + k) % letters.length]!;
    const c = checksummed[i]!;
    const flipped = `${checksummed.slice(0, i)}${c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()}${checksummed.slice(i + 1)}`;
    const body = flipped.slice(2);
    if (body !== body.toLowerCase() && body !== body.toUpperCase()) return flipped;
  }
  return null;
}

/** Things in an address field that are not an address in any casing. */
export const malformedAddress: fc.Arbitrary<string> = fc.oneof(
  anyAddress.map((a) => a.slice(2)), // no prefix
  anyAddress.map((a) => `0X${a.slice(2)}`), // upper-case prefix
  anyAddress.map((a) => a.slice(0, 41)), // 19.5 bytes
  anyAddress.map((a) => `${a}00`), // 21 bytes
  anyAddress.map((a) => ` ${a}`), // whitespace
  anyAddress.map((a) => `${a.slice(0, 10)}g${a.slice(11)}`), // not hex
  anyAddress.map((a) => a.replace(/[0-9]/, (d) => String.fromCharCode(0xff10 + Number(d)))), // a full-width digit
  fc.constantFrom("", "0x", "0x0", "vitalik.eth"),
);

// ------------------------------------------------------------------ JSON

const jsonKey = fc.oneof({ weight: 3, arbitrary: hostileText(12) }, { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "x402Version", "type", "id") });

/** Any JSON value, with hostile strings and numbers in its leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    hostileText(),
    numberWhereTextBelongs,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(jsonKey, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/**
 * JSON text nested `depth` levels deep: the shape that overflows recursive code (JSON.stringify,
 * structured clone, naive walkers) long before it reaches any size limit.
 */
export const deepJsonText = (minDepth: number, maxDepth: number): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min: minDepth, max: maxDepth }), fc.constantFrom("array", "object")).map(([depth, kind]) =>
    kind === "array" ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}0${"}".repeat(depth)}`,
  );

const HOLE = "\u0000hole\u0000";

/**
 * JSON text of `value` with the value at `path` replaced by raw JSON text (deep JSON cannot be
 * built as an object and stringified: that is the very overflow it provokes).
 */
export function jsonWithRawAt(value: unknown, path: readonly (string | number)[], raw: string): string {
  return JSON.stringify(setAt(value, path, HOLE)).replace(JSON.stringify(HOLE), raw);
}

/** A copy of `value` with `path` set to `replacement` (intermediate objects created as needed). */
export function setAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const base = (Array.isArray(value) ? [...value] : typeof value === "object" && value !== null ? { ...value } : {}) as Record<string | number, unknown>;
  Object.defineProperty(base, head!, { value: setAt(base[head!], rest, replacement), enumerable: true, writable: true, configurable: true });
  return base;
}

/** A copy of `value` without `path`. */
export function deleteAt(value: unknown, path: readonly (string | number)[]): unknown {
  if (path.length === 0 || typeof value !== "object" || value === null) return value;
  const [head, ...rest] = path;
  const base = (Array.isArray(value) ? [...value] : { ...value }) as Record<string | number, unknown>;
  if (rest.length === 0) delete base[head!];
  else base[head!] = deleteAt(base[head!], rest);
  return base;
}

/** Base64 of the UTF-8 bytes of `text`, as x402 headers carry JSON (lone surrogates become U+FFFD). */
export function base64OfText(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

export { bytesToBase64 };

import { formatDecimal, parseDecimal } from "../decimal.ts";

/**
 * Normalisers for the fields a vision model reads off an invoice. Each returns the canonical form,
 * or null when the value cannot be read without guessing.
 */

/**
 * A money amount or quantity as plain decimal notation ("1234.50"), whatever way it was written:
 * "$1,234.50", "1.234,50 €", "CHF 1'234.50", "1 234,50", "(12.00)" and "12.00-" (negative),
 * "USD -5". The number of decimals is kept as written; nothing is rounded.
 *
 * With one kind of separator only, several of them are grouping ("1.234.567"); a single comma is
 * grouping when exactly three digits follow it and something other than 0 precedes it ("1,234"),
 * otherwise a decimal comma ("12,50", "0,125"); a single point is always a decimal point.
 */
export function normaliseAmount(raw: string): string | null {
  let s = raw.replace(/[\s'’]/g, "").replace(/−/g, "-");
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  s = s.replace(/^[\p{Sc}\p{L}]+\.?/u, "");
  if (s.startsWith("-")) {
    negative = !negative;
    s = s.slice(1).replace(/^[\p{Sc}\p{L}]+\.?/u, "");
  } else if (s.startsWith("+")) {
    s = s.slice(1);
  }
  s = s.replace(/[\p{Sc}\p{L}]+\.?$/u, "");
  if (s.endsWith("-")) {
    negative = !negative;
    s = s.slice(0, -1);
  }
  const plain = withoutGrouping(s);
  if (plain === null) return null;
  const value = parseDecimal(plain.startsWith(".") ? `0${plain}` : plain);
  if (value === null) return null;
  return formatDecimal(negative ? { units: -value.units, scale: value.scale } : value);
}

/** "1,234.50" → "1234.50", "1.234,50" → "1234.50"; null if the separators make no sense. */
function withoutGrouping(s: string): string | null {
  if (!/^[\d.,]*\d[\d.,]*$/.test(s)) return null;
  const lastComma = s.lastIndexOf(",");
  const lastPoint = s.lastIndexOf(".");
  let grouping: string | undefined;
  let decimal: string | undefined;
  if (lastComma !== -1 && lastPoint !== -1) {
    [decimal, grouping] = lastComma > lastPoint ? [",", "."] : [".", ","];
  } else if (lastComma !== -1) {
    const commas = s.split(",").length - 1;
    const before = s.slice(0, lastComma);
    const after = s.slice(lastComma + 1);
    if (commas > 1 || (after.length === 3 && before !== "" && !/^0+$/.test(before))) grouping = ",";
    else decimal = ",";
  } else if (lastPoint !== -1) {
    if (s.split(".").length - 1 > 1) grouping = ".";
    else decimal = ".";
  }
  let whole = s;
  let fraction: string | undefined;
  if (decimal !== undefined) {
    const at = s.lastIndexOf(decimal);
    whole = s.slice(0, at);
    fraction = s.slice(at + 1);
    if (fraction.length === 0 || !/^\d+$/.test(fraction)) {
      // "12." is 12; anything else after the decimal mark is not a number.
      if (fraction.length !== 0) return null;
      fraction = undefined;
    }
  }
  if (grouping !== undefined && whole.includes(grouping)) {
    const groups = whole.split(grouping);
    // Western groups of three, or Indian lakh/crore groups of two before the last three.
    const wellFormed =
      /^\d{1,3}$/.test(groups[0]!) &&
      groups.slice(1, -1).every((g) => /^\d{2,3}$/.test(g)) &&
      /^\d{3}$/.test(groups[groups.length - 1]!);
    if (!wellFormed) return null;
    whole = groups.join("");
  }
  if (!/^\d*$/.test(whole)) return null;
  return fraction === undefined ? whole : `${whole}.${fraction}`;
}

// English month names and their three-letter abbreviations ("sept" too).
const MONTHS: Readonly<Record<string, number>> = Object.fromEntries([
  ...["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"].flatMap((name, i) => [
    [name, i + 1],
    [name.slice(0, 3), i + 1],
  ]),
  ["sept", 9],
]);

/**
 * A calendar date as YYYY-MM-DD, from "2026-11-21", "2026/11/21", "2026-11-21T10:00:00Z",
 * "21.11.2026" (dots: day first), "21/11/2026" or "11/21/2026" (when a number above 12 says which is
 * the day), "21 November 2026", "Nov 21, 2026", "21-Nov-2026". Ambiguous dates ("03/04/2026"),
 * two-digit years and impossible dates (2026-02-30) are null.
 */
export function normaliseDate(raw: string): string | null {
  const s = raw.trim();
  let ymd: [number, number, number] | null = null;
  let m: RegExpMatchArray | null;
  if ((m = s.match(/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$/))) {
    ymd = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = s.match(/^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/))) {
    const [a, separator, b, year] = [Number(m[1]), m[2], Number(m[3]), Number(m[4])];
    if (separator === "." || a > 12 || a === b) ymd = [year, b, a];
    else if (b > 12) ymd = [year, a, b];
  } else {
    ymd = dateWithMonthName(s);
  }
  if (ymd === null) return null;
  const [year, month, day] = ymd;
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** One English month name, one four-digit year, one day number; other words (weekdays, "st") ignored. */
function dateWithMonthName(s: string): [number, number, number] | null {
  const tokens = s.toLowerCase().match(/\p{L}+|\d+/gu) ?? [];
  const months = tokens.filter((t) => MONTHS[t] !== undefined);
  const years = tokens.filter((t) => /^\d{4}$/.test(t));
  const days = tokens.filter((t) => /^\d{1,2}$/.test(t));
  if (months.length !== 1 || years.length !== 1 || days.length !== 1) return null;
  if (tokens.some((t) => /^\d+$/.test(t) && !/^(?:\d{4}|\d{1,2})$/.test(t))) return null;
  return [Number(years[0]), MONTHS[months[0]!]!, Number(days[0])];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Active ISO 4217 codes, plus HRK (replaced by EUR in 2023, still on older invoices). */
const ISO_4217 = new Set(
  `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
  CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
  GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
  KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD
  NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE
  SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED
  VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL`.split(/\s+/),
);

/** Symbols and spellings that name one currency only; "$", "¥" and "kr" name several and are not here. */
const CURRENCY_ALIASES: Readonly<Record<string, string>> = {
  "€": "EUR",
  EURO: "EUR",
  EUROS: "EUR",
  "£": "GBP",
  "₹": "INR",
  "₩": "KRW",
  "₽": "RUB",
  "₺": "TRY",
  "₪": "ILS",
  "₫": "VND",
  "฿": "THB",
  "₴": "UAH",
  "₱": "PHP",
  "₦": "NGN",
  "US$": "USD",
  "CA$": "CAD",
  C$: "CAD",
  "AU$": "AUD",
  A$: "AUD",
  "NZ$": "NZD",
  "HK$": "HKD",
  S$: "SGD",
  R$: "BRL",
  ZŁ: "PLN",
};

/** An ISO 4217 code in upper case ("usd" → "USD", "€" → "EUR"); null for unknown or ambiguous ("$"). */
export function normaliseCurrency(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  const code = CURRENCY_ALIASES[s] ?? s;
  return ISO_4217.has(code) ? code : null;
}

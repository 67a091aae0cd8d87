import { describe, expect, it } from "vitest";
import { normaliseAmount, normaliseCurrency, normaliseDate } from "../../../protocol/catalog/services/invoice-fields.ts";
import { type InvoiceExtractModelOutput, type InvoiceExtractOutput, invoiceExtractService } from "../../../protocol/catalog/services/invoice-extract.ts";
import type { FinishResult } from "../../../protocol/catalog/service.ts";
import { PNG_BASE64 } from "../../../dev/catalog-model-outputs.ts";

describe("invoice amounts", () => {
  it.each([
    ["1234.50", "1234.50"],
    ["1,234.50", "1234.50"],
    ["$1,234.50", "1234.50"],
    ["1.234,50 €", "1234.50"],
    ["EUR 1.234,50", "1234.50"],
    ["CHF 1'234.50", "1234.50"],
    ["1 234,50", "1234.50"],
    ["1\u00a0234,50", "1234.50"],
    ["1,234,567.89", "1234567.89"],
    ["1.234.567", "1234567"],
    ["12,34,567.00", "1234567.00"],
    ["1,234", "1234"],
    ["12,50", "12.50"],
    ["1,23", "1.23"],
    ["0,3456", "0.3456"],
    ["0,125", "0.125"],
    [",50", "0.50"],
    [".5", "0.5"],
    ["12.", "12"],
    ["007.50", "7.50"],
    ["-12.00", "-12.00"],
    ["−12.00", "-12.00"],
    ["-$12.00", "-12.00"],
    ["$-12.00", "-12.00"],
    ["(12.00)", "-12.00"],
    ["12.00-", "-12.00"],
    ["USD -5", "-5"],
    ["+3", "3"],
    ["-0.00", "0.00"],
    ["Rs.1,500", "1500"],
    ["3", "3"],
    ["1.5", "1.5"],
  ])("reads %j as %j", (raw, expected) => {
    expect(normaliseAmount(raw)).toBe(expected);
  });

  it.each(["", " ", "N/A", "—", "free", "1e5", "12abc34", "1,234,56", "12,3,456", "1.2.3,4,5", "1,,234", "12..5", "1.234.56", "€", "0x1F", "Infinity", "--5"])(
    "refuses %j",
    (raw) => {
      expect(normaliseAmount(raw)).toBeNull();
    },
  );
});

describe("invoice dates", () => {
  it.each([
    ["2026-11-21", "2026-11-21"],
    ["2026/11/21", "2026-11-21"],
    ["2026.11.21", "2026-11-21"],
    ["2026-1-5", "2026-01-05"],
    ["2026-11-21T10:30:00Z", "2026-11-21"],
    ["21.11.2026", "2026-11-21"],
    ["03.04.2026", "2026-04-03"],
    ["21/11/2026", "2026-11-21"],
    ["11/21/2026", "2026-11-21"],
    ["04/04/2026", "2026-04-04"],
    ["21 November 2026", "2026-11-21"],
    ["November 21, 2026", "2026-11-21"],
    ["Nov 21 2026", "2026-11-21"],
    ["21-Nov-2026", "2026-11-21"],
    ["Saturday, 21st of November 2026", "2026-11-21"],
    ["Sept 1, 2026", "2026-09-01"],
    ["2028-02-29", "2028-02-29"],
    ["2000-02-29", "2000-02-29"],
  ])("reads %j as %s", (raw, expected) => {
    expect(normaliseDate(raw)).toBe(expected);
  });

  it.each([
    ["an ambiguous day and month", "03/04/2026"],
    ["a two-digit year", "21.11.26"],
    ["an impossible day", "2026-02-30"],
    ["February 29 in a common year", "2026-02-29"],
    ["February 29 in a century year", "1900-02-29"],
    ["month 13", "2026-13-01"],
    ["day 0", "2026-11-00"],
    ["no day", "November 2026"],
    ["two month names", "May June 21 2026"],
    ["a non-English month", "21. März 2026"],
    ["nothing", ""],
    ["a word", "tomorrow"],
    ["mixed separators", "21/11.2026"],
    ["a year out of range", "1850-01-01"],
  ])("refuses %s (%j)", (_name, raw) => {
    expect(normaliseDate(raw)).toBeNull();
  });
});

describe("invoice currencies", () => {
  it.each([
    ["USD", "USD"],
    ["usd", "USD"],
    [" eur ", "EUR"],
    ["€", "EUR"],
    ["£", "GBP"],
    ["US$", "USD"],
    ["zł", "PLN"],
    ["Euro", "EUR"],
    ["JPY", "JPY"],
  ])("reads %j as %s", (raw, expected) => {
    expect(normaliseCurrency(raw)).toBe(expected);
  });

  it.each(["$", "¥", "kr", "", "US", "USDT", "ABC", "dollars"])("refuses %j", (raw) => {
    expect(normaliseCurrency(raw)).toBeNull();
  });
});

const BASE: InvoiceExtractModelOutput = {
  vendor: "Acme Supplies Ltd",
  invoiceNumber: "INV-0042",
  issueDate: "2026-03-01",
  dueDate: "2026-03-31",
  currency: "GBP",
  lineItems: [
    { description: "Widgets", quantity: "3", unitPrice: "19.99", amount: "59.97" },
    { description: "Setup fee", quantity: "1", unitPrice: "40.03", amount: "40.03" },
  ],
  subtotal: "100.00",
  tax: "20.00",
  total: "120.00",
};

function finish(changes: Partial<InvoiceExtractModelOutput>): FinishResult<InvoiceExtractOutput> {
  const modelOutput = invoiceExtractService.modelOutput.parse({ ...BASE, ...changes });
  const result = invoiceExtractService.finish({ image: PNG_BASE64 }, modelOutput);
  if (result.ok) expect(invoiceExtractService.output.safeParse(result.output).error).toBeUndefined();
  return result;
}

function finished(changes: Partial<InvoiceExtractModelOutput>): InvoiceExtractOutput {
  const result = finish(changes);
  if (!result.ok) throw new Error(`refused: ${result.problem}`);
  return result.output;
}

describe("invoice-extract finish()", () => {
  it("passes every check on a consistent invoice", () => {
    expect(finished({})).toEqual({ ...BASE, checks: { lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [true, true] } });
  });

  it("normalises amounts, dates and currency as written by the model", () => {
    const output = finished({
      issueDate: "2026/03/01",
      dueDate: "31.03.2026",
      currency: "gbp",
      lineItems: [{ description: "  Widgets\n(blue) ", quantity: "3", unitPrice: "£19.99", amount: "59,97" }],
      subtotal: "£ 59.97",
      tax: "(0.00)",
      total: "59.97 GBP",
    });
    expect(output).toMatchObject({ issueDate: "2026-03-01", dueDate: "2026-03-31", currency: "GBP", subtotal: "59.97", tax: "0.00", total: "59.97" });
    expect(output.lineItems).toEqual([{ description: "Widgets (blue)", quantity: "3", unitPrice: "19.99", amount: "59.97" }]);
    expect(output.checks).toEqual({ lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [true] });
  });

  it.each<[string, Partial<InvoiceExtractModelOutput>, Partial<InvoiceExtractOutput["checks"]>]>([
    ["line items that do not add up to the subtotal", { subtotal: "100.01", total: "120.01" }, { lineItemsMatchSubtotal: false, subtotalPlusTaxMatchesTotal: true }],
    ["a total that is not subtotal + tax", { total: "119.99" }, { lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: false }],
    ["a total that leaves out the tax", { total: "100.00" }, { subtotalPlusTaxMatchesTotal: false }],
    [
      "a line whose amount is not quantity × unit price",
      { lineItems: [{ description: "Widgets", quantity: "3", unitPrice: "19.99", amount: "59.96" }, BASE.lineItems[1]!], subtotal: "99.99", total: "119.99" },
      { lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [false, true] },
    ],
    [
      "a line amount rounded from an exact product with more decimals",
      { lineItems: [{ description: "Consulting", quantity: "1.5", unitPrice: "33.33", amount: "50.00" }], subtotal: "50.00", tax: "0", total: "50.00" },
      { lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [true] },
    ],
    [
      "a line amount rounded too far",
      { lineItems: [{ description: "Consulting", quantity: "1.5", unitPrice: "33.33", amount: "50.01" }], subtotal: "50.01", tax: "0", total: "50.01" },
      { lineItemAmounts: [false] },
    ],
    ["no line items (nothing to compare with the subtotal)", { lineItems: [] }, { lineItemsMatchSubtotal: null, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [] }],
    [
      "sums that floats get wrong (0.1 + 0.2)",
      {
        lineItems: [
          { description: "a", quantity: "1", unitPrice: "0.1", amount: "0.1" },
          { description: "b", quantity: "1", unitPrice: "0.2", amount: "0.2" },
        ],
        subtotal: "0.3",
        tax: "0",
        total: "0.30",
      },
      { lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [true, true] },
    ],
    [
      "a credit note with negative amounts",
      { lineItems: [{ description: "Refund", quantity: "-2", unitPrice: "10.00", amount: "(20.00)" }], subtotal: "-20.00", tax: "-4.00", total: "-24.00" },
      { lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [true] },
    ],
  ])("checks %s", (_name, changes, checks) => {
    expect(finished(changes).checks).toMatchObject(checks);
  });

  it("fills in what an invoice leaves implicit: quantity 1, unit price = amount, no tax", () => {
    const output = finished({
      lineItems: [{ description: "Annual licence", quantity: "", unitPrice: "", amount: "100.00" }],
      tax: "",
      total: "100.00",
    });
    expect(output.lineItems).toEqual([{ description: "Annual licence", quantity: "1", unitPrice: "100.00", amount: "100.00" }]);
    expect(output.tax).toBe("0.00");
    expect(output.checks).toEqual({ lineItemsMatchSubtotal: true, subtotalPlusTaxMatchesTotal: true, lineItemAmounts: [true] });
  });

  it("drops blank padding lines, and a due date it cannot read without guessing", () => {
    const output = finished({ lineItems: [...BASE.lineItems, { description: " ", quantity: "", unitPrice: "", amount: "" }], dueDate: "03/04/2026" });
    expect(output.lineItems).toHaveLength(2);
    expect(output).not.toHaveProperty("dueDate");
    expect(finished({ dueDate: "" })).not.toHaveProperty("dueDate");
  });

  it.each<[string, Partial<InvoiceExtractModelOutput>, RegExp]>([
    ["an unparseable total", { total: "see attached" }, /^total is not usable: "see attached"$/],
    ["a missing total", { total: "" }, /^total is not usable/],
    ["a garbage subtotal", { subtotal: "1,234,56" }, /^subtotal is not usable/],
    ["a garbage tax", { tax: "VAT" }, /^tax is not usable/],
    ["an ambiguous issue date", { issueDate: "03/04/2026" }, /^issueDate is not usable: "03\/04\/2026"$/],
    ["an ambiguous currency", { currency: "$" }, /^currency is not usable/],
    ["no vendor", { vendor: "  " }, /^vendor is not usable/],
    ["no invoice number", { invoiceNumber: "" }, /^invoiceNumber is not usable/],
    ["a line without an amount", { lineItems: [{ description: "Widgets", quantity: "3", unitPrice: "19.99", amount: "" }] }, /^lineItems\[0\]\.amount is not usable/],
    ["a line with quantity 2 and no unit price", { lineItems: [{ description: "Widgets", quantity: "2", unitPrice: "", amount: "10.00" }] }, /^lineItems\[0\]\.unitPrice is not usable/],
  ])("refuses %s", (_name, changes, problem) => {
    const result = finish(changes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it("lists every problem in one refusal", () => {
    const result = finish({ vendor: "", issueDate: "soon", currency: "¥", subtotal: "?", total: "lots" });
    expect(result).toEqual({
      ok: false,
      problem: 'vendor is not usable: ""; issueDate is not usable: "soon"; currency is not usable: "¥"; subtotal is not usable: "?"; total is not usable: "lots"',
    });
  });

  it("asks for plain decimal strings and ISO dates", () => {
    const { system } = invoiceExtractService.prompt({ image: PNG_BASE64 });
    expect(system).toContain("YYYY-MM-DD");
    expect(system).toContain('"$1,234.50" is written "1234.50"');
  });
});

describe("invoice-extract bounds", () => {
  it("keeps the longest amount the model may write valid once normalised", () => {
    const longest = `.${"5".repeat(31)}`;
    const result = finish({ lineItems: [], subtotal: longest, tax: "0", total: longest });
    expect(result.ok && result.output.total).toBe(`0${longest}`);
  });
});

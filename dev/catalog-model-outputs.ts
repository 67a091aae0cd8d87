/**
 * For each seed service, a model output as a 7B model might plausibly write it for the service's
 * `example.input` (offsets off, amounts with separators, a language name instead of a tag, …);
 * finish() must turn each into exactly the service's `example.output`.
 */
export const MODEL_OUTPUT_FOR_EXAMPLE: Readonly<Record<string, unknown>> = {
  sentiment: {
    label: "mixed",
    score: 0.91,
    aspects: [
      { aspect: "battery life", label: "positive" },
      { aspect: " screen ", label: "positive" },
      { aspect: "Battery Life", label: "positive" },
      { aspect: "customer support", label: "negative" },
      { aspect: "", label: "neutral" },
    ],
  },
  "pii-detect": {
    entities: [
      { type: "person", text: "Maria Keller", start: 8, end: 20 },
      { type: "email", text: "maria.keller@example.org", start: 31, end: 55 },
      { type: "phone", text: "+41 44 668 18 00", start: 0, end: 16 },
      { type: "person", text: "Hans Muster", start: 70, end: 81 },
    ],
  },
  "alt-text": {
    alt: "Image of green 30-litre hiking backpack with roll-top closure,  standing on a rock by a mountain lake.",
    description:
      "A forest-green backpack with a roll-top closure, black shoulder straps and a side bottle pocket stands upright on a grey rock.\nBehind it is a calm alpine lake under a clear sky. Water droplets bead on the fabric. ",
  },
  "screenshot-data": {
    lines: ["Billing", " Current plan: Team", "", "Invoices", "Date Amount Status", "2026-03-01 $49.00 Paid", "2026-02-01 $49.00 Paid", "Download all"],
    elements: [
      { type: "heading", label: "Billing" },
      { type: "tab", label: " Invoices" },
      { type: "button", label: "Download all" },
      { type: "image", label: "" },
    ],
    tables: [
      {
        caption: "Invoices",
        header: ["Date", "Amount", "Status"],
        rows: [["2026-03-01", "$49.00", "Paid"], ["2026-02-01", "$49.00", "Paid"], ["", "", ""]],
      },
      { caption: "", header: [], rows: [] },
    ],
  },
  "invoice-extract": {
    vendor: " Northwind Traders GmbH",
    invoiceNumber: "NW-2026-0147",
    issueDate: "21.11.2026",
    dueDate: "2026/12/21",
    currency: "eur",
    lineItems: [
      { description: "Espresso beans, 1 kg", quantity: "3", unitPrice: "24,90 €", amount: "74,70" },
      { description: "Consulting (hours)", quantity: "1,5", unitPrice: "120,00", amount: "180,00" },
      { description: "", quantity: "", unitPrice: "", amount: "" },
    ],
    subtotal: "254,70",
    tax: "48,39",
    total: "€ 303,09",
  },
  "document-intel": {
    documentType: "letter",
    language: "German",
    summary:
      "A letter from Stadtwerke München to Jonas Weber announcing a new electricity tariff from 2027-01-01.  It states the new monthly base price and the customer's right to cancel within four weeks.",
    keyFields: [
      { name: "Customer number", value: "400 118 725" },
      { name: "Letter date", value: "2026-11-03" },
      { name: "customer number", value: "400 118 725" },
      { name: "New base price", value: "EUR 14.90 per month" },
      { name: "Signature", value: " " },
    ],
    entities: [
      { type: "organization", text: "Stadtwerke München" },
      { type: "person", text: "Jonas Weber" },
      { type: "person", text: "JONAS WEBER" },
      { type: "date", text: "01.01.2027" },
      { type: "location", text: "München" },
    ],
  },
};

/** A 1×1 png, raw base64. */
export const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

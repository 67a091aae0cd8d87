/**
 * The x402 `bazaar` discovery extension for a POST endpoint with a JSON body (specs/extensions/
 * bazaar.md): `info` carries an example request and response, `schema` describes `info` — here with
 * the service's real input and output schemas, so a catalogue learns the whole contract from a 402.
 */
export function bazaarExtension(args: { exampleBody: unknown; exampleOutput: unknown; inputSchema: Record<string, unknown>; outputSchema: Record<string, unknown> }) {
  return {
    info: {
      input: { type: "http", method: "POST", bodyType: "json", body: args.exampleBody },
      output: { type: "json", example: args.exampleOutput },
    },
    schema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        input: {
          type: "object",
          properties: {
            type: { type: "string", const: "http" },
            method: { type: "string", enum: ["POST"] },
            bodyType: { type: "string", enum: ["json"] },
            body: args.inputSchema,
          },
          required: ["type", "method", "bodyType", "body"],
          additionalProperties: false,
        },
        output: {
          type: "object",
          properties: { type: { type: "string" }, example: args.outputSchema },
          required: ["type"],
        },
      },
      required: ["input"],
    },
  };
}

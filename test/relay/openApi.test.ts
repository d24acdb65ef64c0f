import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import SwaggerParser from "@apidevtools/swagger-parser";
import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/devnet/binaries.js";
import { ERROR_CODES } from "../../relay/errors/errorCodes.js";
import { OPENAPI_DOCUMENT } from "../../relay/server/openApiDocument.js";

const run = promisify(execFile);
type Operation = {
  responses: Record<string, { description?: string; content?: Record<string, { schema?: object }> }>;
};

function operations(): [string, Operation][] {
  return Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "post", "delete", "put"].includes(method))
      .map(([method, op]) => [`${method.toUpperCase()} ${path}`, op as Operation] as [string, Operation]),
  );
}

describe("the OpenAPI document", () => {
  it("should validate as OpenAPI 3.1 with a real validator", async () => {
    const api = await SwaggerParser.validate(structuredClone(OPENAPI_DOCUMENT) as never);
    expect((api as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("should give every response a description and a real schema", () => {
    for (const [name, op] of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.description, `${name} ${status}`).toBeTruthy();
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        expect(schemas.length, `${name} ${status} has no content`).toBeGreaterThan(0);
        for (const schema of schemas)
          expect(JSON.stringify(schema), `${name} ${status}`).not.toBe('{"type":"object"}');
      }
    }
  });

  it("should be generated from the zod schemas (order v3 fields and every error code present)", () => {
    const schemas = OPENAPI_DOCUMENT.components.schemas as Record<
      string,
      { properties?: Record<string, unknown> }
    >;
    const signed = schemas.SignedOrder.properties!.order as { properties: Record<string, unknown> };
    expect(Object.keys(signed.properties)).toEqual([
      "trader",
      "sellToken",
      "buyToken",
      "sellAmount",
      "minBuyAmount",
      "nonce",
      "validTo",
      "commitBy",
      "feeAmount",
    ]);
    expect(Object.keys(schemas.CommitmentBody.properties!)).toContain("commitBy");
    const code = (schemas.Error.properties!.error as { properties: { code: { enum: string[] } } }).properties
      .code;
    expect(code.enum.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("should document batch pagination: the offset and limit query parameters and the page fields", () => {
    const schemas = OPENAPI_DOCUMENT.components.schemas as Record<
      string,
      { properties?: Record<string, unknown> }
    >;
    expect(Object.keys(schemas.BatchStatus.properties!)).toEqual(
      expect.arrayContaining(["orderIds", "orderIdsTotal", "nextOffset"]),
    );
    const get = (OPENAPI_DOCUMENT.paths["/v1/batches/{id}"] as Record<string, unknown>).get as {
      parameters: { name: string; in: string; schema: { pattern?: string } }[];
    };
    const query = Object.fromEntries(get.parameters.filter((p) => p.in === "query").map((p) => [p.name, p]));
    expect(Object.keys(query).sort()).toEqual(["limit", "offset"]);
    // the documented patterns are the ones the relay checks with: 1,000 is the largest page
    const limit = new RegExp(query.limit.schema.pattern!);
    expect(["0", "1", "999", "1000"].every((v) => limit.test(v))).toBe(true);
    expect(["1001", "5000", "-1", "1e3"].some((v) => limit.test(v))).toBe(false);
    expect(new RegExp(query.offset.schema.pattern!).test("2000")).toBe(true);
  });

  it("should generate TypeScript client types that type-check against real use", async () => {
    const types = astToString(await openapiTS(structuredClone(OPENAPI_DOCUMENT) as never));
    const dir = mkdtempSync(join(tmpdir(), "veil-openapi-"));
    try {
      writeFileSync(join(dir, "api.ts"), types);
      writeFileSync(
        join(dir, "use.ts"),
        `import type { components, paths } from "./api.js";
type OrderStatus = components["schemas"]["OrderStatus"];
const s: OrderStatus = { id: "0x${"ab".repeat(32)}", state: "filled", proof: ["0x${"cd".repeat(32)}"] };
type Reveal = paths["/v1/reveals"]["post"]["requestBody"];
const r: NonNullable<Reveal>["content"]["application/json"]["order"]["commitBy"] = "12";
type BatchPage = paths["/v1/batches/{id}"]["get"];
const q: NonNullable<BatchPage["parameters"]["query"]> = { offset: "1000", limit: "1000" };
const page: components["schemas"]["BatchStatus"]["nextOffset"] = null;
// @ts-expect-error: states come from the relay's enum
const bad: OrderStatus["state"] = "done";
export { s, r, q, page, bad };
`,
      );
      const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
      const args = [
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
      ];
      await run(process.execPath, [tsc, ...args, join(dir, "use.ts")], { cwd: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

import { describe, expect, it } from "vitest";
import { RELAY_ERROR_CODES } from "../../client/errors/relayError.js";
import * as clientTable from "../../client/wire/errorCodes.js";
import { ERROR_CODES, UNFILLED_REASONS } from "./errorCodes.js";

describe("error vocabulary", () => {
  it("should be the client's table, not a copy", () => {
    expect(ERROR_CODES).toBe(clientTable.ERROR_CODES);
    expect(UNFILLED_REASONS).toBe(clientTable.UNFILLED_REASONS);
  });

  it("should let a client recognise every code the relay can answer (UPSTREAM_UNAVAILABLE once drifted)", () => {
    expect([...RELAY_ERROR_CODES].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(RELAY_ERROR_CODES).toContain("UPSTREAM_UNAVAILABLE");
  });

  it("should map every code to a 4xx, except the upstream and internal failures", () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      if (code === "UPSTREAM_UNAVAILABLE") expect(status).toBe(503);
      else if (code === "INTERNAL") expect(status).toBe(500);
      else expect(status, code).toBeGreaterThanOrEqual(400);
      if (code !== "UPSTREAM_UNAVAILABLE" && code !== "INTERNAL") expect(status, code).toBeLessThan(500);
    }
  });
});

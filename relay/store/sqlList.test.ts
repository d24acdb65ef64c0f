import { describe, expect, it } from "vitest";
import { sqlList } from "./sqlList.js";
import { FINAL_ORDER_STATES } from "./store.js";

describe("sqlList", () => {
  it("should quote the final order states as one SQL list", () => {
    expect(sqlList(FINAL_ORDER_STATES)).toBe("('filled','unfilled','failed','cancelled')");
  });

  it("should refuse anything but plain words", () => {
    expect(() => sqlList(["filled", "x') OR 1=1 --"])).toThrow(/plain words/);
  });
});

import { describe, expect, it } from "vitest";
import { revealDecision } from "./revealRule.js";

describe("revealDecision (order v2, commit mode)", () => {
  const proven = { commitBlock: 95n };

  it("should not reveal while the head is at or before commitBy, even with the leaf proven", () => {
    expect(revealDecision({ commitBy: 100n, head: 96n, inclusion: proven })).toMatchObject({
      reveal: false,
      wait: true,
    });
    expect(revealDecision({ commitBy: 100n, head: 100n, inclusion: proven })).toMatchObject({
      reveal: false,
      wait: true,
    });
  });

  it("should reveal once the head is past commitBy and the leaf is proven", () => {
    expect(revealDecision({ commitBy: 100n, head: 101n, inclusion: proven })).toEqual({ reveal: true });
  });

  it("should never reveal without a proof against the on-chain root, whatever the head", () => {
    expect(revealDecision({ commitBy: 100n, head: 500n, inclusion: null })).toMatchObject({
      reveal: false,
      wait: false,
    });
  });

  it("should never reveal for a batch committed after commitBy (the contract would refuse the order in it)", () => {
    const late = revealDecision({ commitBy: 100n, head: 120n, inclusion: { commitBlock: 101n } });
    expect(late).toMatchObject({ reveal: false, wait: false });
    expect(late.reveal ? "" : late.reason).toContain("after the order's commitBy 100");
  });
});

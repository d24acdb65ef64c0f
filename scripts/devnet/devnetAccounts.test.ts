import { describe, expect, it } from "vitest";
import { devnetAccount, devnetAccounts } from "./devnetAccounts.js";

describe("devnetAccount", () => {
  it("should find an account by label in a devnet or in its accounts list", () => {
    const accounts = devnetAccounts();
    expect(devnetAccount({ accounts }, "lp").address).toBe("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f");
    expect(devnetAccount(accounts, "deployer").address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });

  it("should refuse an unknown label and name the labels there are", () => {
    expect(() => devnetAccount(devnetAccounts(), "trader9")).toThrow(
      /no devnet account labelled "trader9": the labels are deployer, operator, relay-auth/,
    );
  });
});

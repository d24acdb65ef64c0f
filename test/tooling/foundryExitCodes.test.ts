import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/devnet/binaries.js";

// The @foundry-rs npm wrappers on node_modules/.bin exit 0 whatever forge or cast returns, so a broken contract
// once landed green. `npm run test:contracts` goes through scripts/foundry.js; these tests run it in a scratch
// copy of the project with one passing and one failing forge test and check the exit status CI sees.
const FORGE_TESTS = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract ScratchPassTest {
    function test_passes() public pure {
        require(1 + 1 == 2, "arithmetic");
    }
}

contract ScratchFailTest {
    function test_fails() public pure {
        require(false, "this test must fail");
    }
}
`;

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("Foundry exit codes", () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "veil-forge-exit-"));
    for (const path of [
      "package.json",
      "foundry.toml",
      "solc-shim",
      "scripts/solc-shim.cjs",
      "scripts/foundry.js",
    ]) {
      cpSync(join(REPO_ROOT, path), join(scratch, path), { recursive: true });
    }
    // Only a tiny library of our own: the test is about exit codes, not about compiling the whole suite.
    mkdirSync(join(scratch, "contracts", "src"), { recursive: true });
    writeFileSync(
      join(scratch, "contracts", "src", "Noop.sol"),
      "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\nlibrary Noop {}\n",
    );
    mkdirSync(join(scratch, "contracts", "test"), { recursive: true });
    writeFileSync(join(scratch, "contracts", "test", "Scratch.t.sol"), FORGE_TESTS);
    symlinkSync(join(REPO_ROOT, "node_modules"), join(scratch, "node_modules"));
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("should exit 0 from npm run test:contracts when every forge test passes", () => {
    const { status, output } = run(
      "npm",
      ["run", "test:contracts", "--", "--match-contract", "ScratchPassTest"],
      scratch,
    );
    expect(output).toContain("test_passes");
    expect(status).toBe(0);
  });

  it("should exit non-zero from npm run test:contracts when one forge test fails", () => {
    const { status, output } = run("npm", ["run", "test:contracts"], scratch);
    expect(output).toContain("test_fails");
    expect(status).not.toBe(0);
  });

  it("should exit non-zero when the npm script's forge step fails, unlike the npm wrapper", () => {
    // The wrapper's behaviour is the reason the launcher exists; if a future @foundry-rs release fixes it, this
    // assertion tells us the launcher may go.
    const wrapper = run(join(REPO_ROOT, "node_modules", ".bin", "forge"), ["test"], scratch);
    expect(wrapper.output).toContain("test_fails");
    expect(wrapper.status).toBe(0);
  });

  it("should pass cast's exit status on", () => {
    const { status } = run(
      "node",
      ["scripts/foundry.js", "cast", "chain-id", "--rpc-url", "http://127.0.0.1:1"],
      scratch,
    );
    expect(status).not.toBe(0);
  });
});

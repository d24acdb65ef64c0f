import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// `npm run build` must emit the library (JS + .d.ts) to dist/, reachable as "veil/client" through the
// package's `exports`, and the compiled CLI must run without tsx.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const exec = promisify(execFile);

describe("npm run build", () => {
  it("should emit dist/client with declarations, importable as veil/client, and a runnable CLI", async () => {
    await exec("npm", ["run", "build"], { cwd: ROOT });
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["./client"]).toEqual({
      types: "./dist/client/index.d.ts",
      import: "./dist/client/index.js",
    });
    expect(pkg.bin).toEqual({ veil: "bin/veil.js" });
    const dts = readFileSync(join(ROOT, "dist/client/index.d.ts"), "utf8");
    expect(dts).toContain("createVeilClient");
    expect(dts).toContain("ProofMismatchError");
    expect(existsSync(join(ROOT, "dist/client/createVeilClient.d.ts"))).toBe(true);
    expect(existsSync(join(ROOT, "dist/client/utils/parseAmount.test.js"))).toBe(false);

    // Self-reference through `exports`, as a consumer would import it.
    const { stdout } = await exec(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import("veil/client");
         const amount = m.parseAmount("1.5", 6);
         const err = new m.WrongChainError({ expected: 1, actual: 2, source: "x" });
         console.log(JSON.stringify({ create: typeof m.createVeilClient, amount: String(amount), code: err.code,
           base: err instanceof m.BaseError }));`,
      ],
      { cwd: ROOT },
    );
    expect(JSON.parse(stdout)).toEqual({
      create: "function",
      amount: "1500000",
      code: "WRONG_CHAIN",
      base: true,
    });

    const cli = await exec(process.execPath, [join(ROOT, "dist/client/cli/veil.js"), "order", "--help"], {
      cwd: ROOT,
    });
    expect(cli.stdout).toContain("Usage: veil order --sell TOKEN:AMOUNT");
  }, 300_000);
});

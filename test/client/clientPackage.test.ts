import { spawn } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

// The client as a trader outside this repository gets it (issue 19): `npm pack` of the @veil/client workspace
// (its prepack builds dist/), the tarball installed with a plain `npm install` into an empty project in the
// temp dir (viem and friends come from the registry, as for any install), then used from there only: imported
// from .mjs/.cjs, type-checked from TypeScript, its `veil` bin run, and an order settled on a real devnet.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLIENT_PKG = JSON.parse(readFileSync(join(ROOT, "client/package.json"), "utf8"));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
/** The relay's runtime: none of it may reach a trader's install. tsx too: the installed bin runs compiled JS. */
const SERVER_ONLY = [
  "better-sqlite3",
  "hono",
  "@hono/node-server",
  "pino",
  "prom-client",
  "@flashbots/ethers-provider-bundle",
  "secp256k1",
  "ethers",
  "tsx",
];

type Run = { code: number | null; stdout: string; stderr: string; ms: number };

/** npm settings a child npm still needs from `npm test`'s environment (registry, TLS, proxy, cache). */
const NPM_SETTINGS =
  /^npm_config_(registry|cafile|ca|cache|strict_ssl|proxy|https_proxy|noproxy|userconfig|globalconfig)$/i;

/**
 * The environment of a shell in the trader's project: without the npm_* variables `npm test` sets about this
 * checkout (package, lifecycle, exec call) beyond the settings above, and without VEIL_* from the developer's
 * shell.
 */
function traderEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !(/^(npm_|VEIL_)/i.test(k) && !NPM_SETTINGS.test(k)) && k !== "INIT_CWD",
    ),
  );
  return { ...env, NO_COLOR: "1", ...extra };
}

function run(cmd: string, args: string[], cwd: string, env = traderEnv()): Promise<Run> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => done({ code: -1, stdout, stderr: `${stderr}${err.message}`, ms: 0 }));
    child.on("close", (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** Bytes of every file under `dir` (symlinks not followed). */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** All .js files under `dir`. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".js"))
    .map((e) => join(e.parentPath, e.name));
}

/** The package a bare specifier names (`viem/accounts` -> viem, `@noble/curves/x` -> @noble/curves). */
const packageOf = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

let app: string;
let devnet: Devnet | undefined;
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
let install: Run;
let installed: string[];

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "veil-trader-app-"));
  const pack = await run("npm", ["pack", "-w", CLIENT_PKG.name, "--pack-destination", app, "--json"], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  packed = JSON.parse(pack.stdout)[0];
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "trader-app", version: "1.0.0", private: true, type: "module" }, null, 2),
  );
  // The README's install line: the tarball, plus viem, which the trader's own code imports.
  install = await run("npm", ["install", "--no-audit", "--no-fund", `./${packed.filename}`, "viem"], app);
  expect(install.code, install.stderr).toBe(0);
  const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8"));
  installed = Object.keys(lock.packages)
    .filter((k) => k.startsWith("node_modules/"))
    .map((k) => k.replace(/^.*node_modules\//, ""));
  const dependencies = installed.filter((name) => name !== CLIENT_PKG.name);
  console.log(
    `${CLIENT_PKG.name}@${CLIENT_PKG.version}: tarball ${(packed.size / 1024).toFixed(1)} kB ` +
      `(${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked, ${packed.files.length} files); ` +
      `npm pack (with its build) ${(pack.ms / 1000).toFixed(1)} s; ` +
      `npm install ${(install.ms / 1000).toFixed(1)} s, ${dependencies.length} dependency packages, ` +
      `node_modules ${(diskBytes(join(app, "node_modules")) / 1e6).toFixed(1)} MB`,
  );
  devnet = await startDevnet({ relay: true, slotMs: 1000, quiet: true });
}, 300_000);

afterAll(async () => {
  await devnet?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe("@veil/client installed from its tarball", () => {
  it("should ship only the compiled library and the bin, and install none of the relay's dependencies", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain("package.json");
    expect(paths).toContain("bin/veil.js");
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("dist/cli/veil.js");
    expect(paths).toContain("README.md");
    for (const path of paths) {
      expect(path, "shipped file").toMatch(/^(package\.json|README\.md|bin\/veil\.js|dist\/.+\.(js|d\.ts))$/);
      expect(path, "no tests or examples").not.toMatch(/\.test\.|examples\//);
    }
    expect(packed.size, "tarball bytes").toBeLessThan(200_000);

    expect(installed).toContain(CLIENT_PKG.name);
    expect(installed).toContain("viem");
    expect(installed).toContain("eciesjs");
    for (const name of SERVER_ONLY) expect(installed, name).not.toContain(name);
    // Installed from a file, not linked to this checkout.
    expect(lstatSync(join(app, "node_modules", CLIENT_PKG.name)).isSymbolicLink()).toBe(false);
    expect(installed.length, installed.join(" ")).toBeLessThan(40);
  });

  it("should import only packages the client declares (or node: builtins) from its compiled code", () => {
    const dir = join(app, "node_modules", CLIENT_PKG.name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const undeclared: string[] = [];
    const files = [...jsFiles(join(dir, "dist")), join(dir, "bin/veil.js")];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      // Static `import ... from "x"`, `export ... from "x"`, `import "x"` at the start of a line (not in doc
      // comments), and dynamic `import("x")`.
      const specs = [
        ...text.matchAll(
          /^(?:import\s*["']([^"']+)["']|(?:import|export)\b[^;"']*\bfrom\s*["']([^"']+)["'])/gm,
        ),
        ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => m[1] ?? m[2]);
      for (const spec of specs) {
        if (spec.startsWith(".") || spec.startsWith("node:") || builtins.has(spec)) continue;
        // The launcher's tsx branch runs only in the repository checkout, where the sources sit beside it.
        if (file.endsWith("bin/veil.js") && spec === "tsx/esm/api") continue;
        if (!declared.has(packageOf(spec))) undeclared.push(`${file.slice(dir.length)}: ${spec}`);
      }
    }
    expect(files.length).toBeGreaterThan(20);
    expect(undeclared).toEqual([]);
  });

  it("should import createVeilClient from an .mjs file and require it from a .cjs file", async () => {
    writeFileSync(
      join(app, "check.mjs"),
      `import { createVeilClient, parseAmount, WrongChainError, BaseError } from "${CLIENT_PKG.name}";
const err = new WrongChainError({ expected: 1, actual: 2, source: "x" });
console.log(JSON.stringify({ create: typeof createVeilClient, amount: String(parseAmount("1.5", 6)),
  code: err.code, base: err instanceof BaseError, from: import.meta.resolve("${CLIENT_PKG.name}") }));
`,
    );
    const esm = await run(process.execPath, ["check.mjs"], app);
    expect(esm.code, esm.stderr).toBe(0);
    expect(JSON.parse(esm.stdout)).toEqual({
      create: "function",
      amount: "1500000",
      code: "WRONG_CHAIN",
      base: true,
      from: `file://${join(app, "node_modules", CLIENT_PKG.name, "dist/index.js")}`,
    });
    // CommonJS callers get it through require(esm) (Node >= 20.19, the package's engines floor).
    writeFileSync(
      join(app, "check.cjs"),
      `const { createVeilClient } = require("${CLIENT_PKG.name}"); console.log(typeof createVeilClient);`,
    );
    const cjs = await run(process.execPath, ["check.cjs"], app);
    expect(cjs.code, cjs.stderr).toBe(0);
    expect(cjs.stdout.trim()).toBe("function");
  });

  it("should type-check a TypeScript consumer with tsc --noEmit, with real types (not any)", async () => {
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          // No @types/node: the library's declarations must not need it.
          types: [],
        },
        files: ["app.ts"],
      }),
    );
    writeFileSync(
      join(app, "app.ts"),
      `import { createVeilClient, type Order, RelayError, type VeilClient } from "${CLIENT_PKG.name}";
import { privateKeyToAccount } from "viem/accounts";

const account = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const veil: VeilClient = createVeilClient({ relayUrl: "http://127.0.0.1:1", rpcUrl: "http://127.0.0.1:2", account });

export async function sell(): Promise<\`0x\${string}\`> {
  const order = await veil.buildOrder({ sellToken: "WETH", buyToken: "USDC", sellAmount: "0.1", minBuyAmount: "1" });
  const sellAmount: bigint = (order satisfies Order).sellAmount;
  try {
    const { id } = await veil.submitSealed({ order });
    return id;
  } catch (err) {
    if (err instanceof RelayError) throw new Error(\`refused: \${err.code} \${sellAmount}\`);
    throw err;
  }
}

// @ts-expect-error relayUrl is a string: an \`any\`-typed package would make this directive unused (an error)
createVeilClient({ relayUrl: 42, account });
`,
    );
    const tsc = await run(process.execPath, [TSC, "-p", "."], app);
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  });

  it("should run `npx veil --help` and `veil info` against a running devnet from the compiled bin", async () => {
    const help = await run("npx", ["veil", "--help"], app);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: veil <command> [options]");
    const env = traderEnv({ VEIL_RELAY_URL: devnet!.relayUrl!, VEIL_RPC_URL: devnet!.builderUrl });
    const info = await run("npx", ["veil", "info"], app, env);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain("Chain       31337 (matches the RPC node)");
    expect(info.stdout).toContain(
      `Settlement  ${devnet!.contracts.settlement} (code and EIP-712 domain verified)`,
    );
  });

  it("should place an order and see it settled with the README's quick start, run by node in the project", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Use the client in your project"));
    const quickstart = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(quickstart).toContain(`from "${CLIENT_PKG.name}"`);
    // The package's own README (shown by the registry) carries the same quick start.
    const packageReadme = readFileSync(join(app, "node_modules", CLIENT_PKG.name, "README.md"), "utf8");
    expect(/```js\n([\s\S]*?)```/.exec(packageReadme)?.[1]).toBe(quickstart);
    writeFileSync(join(app, "trade.mjs"), quickstart!);
    const trader = devnetAccount(devnet!, "trader1");
    const env = traderEnv({
      VEIL_RELAY_URL: devnet!.relayUrl!,
      VEIL_RPC_URL: devnet!.builderUrl,
      VEIL_PRIVATE_KEY: trader.privateKey,
    });
    const trade = await run(process.execPath, ["trade.mjs"], app, env);
    expect(trade.code, trade.stderr).toBe(0);
    const m = /^order (0x[0-9a-f]{64}) filled: got (\d+) USDC base units in tx (0x[0-9a-f]{64})$/m.exec(
      trade.stdout,
    );
    const status = await (
      await fetch(`${devnet!.relayUrl}/v1/orders/${/order (0x[0-9a-f]{64})/.exec(trade.stdout)?.[1]}`)
    ).json();
    expect(m, `${trade.stdout}${trade.stderr}${JSON.stringify(status)}`).not.toBeNull();
    expect(BigInt(m![2])).toBeGreaterThanOrEqual(100_000_000n);
    expect(status).toMatchObject({ state: "filled", fill: { txHash: m![3] } });
  });
});

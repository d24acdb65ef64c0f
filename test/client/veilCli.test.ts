import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createWalletClient, encodeFunctionData, erc20Abi, http, maxUint256, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

// The `veil` CLI and the README quickstart as a newcomer runs them: subprocesses against a real devnet + relay,
// from a directory holding the .veil/devnet.json that `npm start` would write.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "bin/veil.js");
const TSX_CLI = join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/cli.mjs");
let devnet: Devnet;
let cwd: string;
const key = (label: string) => devnetAccount(devnet, label).privateKey;
const STACK_LINE = /\n\s+at .+:\d+/;

type Run = { code: number | null; stdout: string; stderr: string };
function run(cmd: string[], env: Record<string, string | undefined> = {}, dir = cwd): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VEIL_")));
  return new Promise((done) => {
    const child = spawn(process.execPath, cmd, { cwd: dir, env: { ...base, NO_COLOR: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
const veil = (args: string[], env: Record<string, string | undefined> = {}) => run([BIN, ...args], env);

/** Runs `jobs` at most `n` at a time (each CLI run is a tsx process; the machine has 2 cores). */
async function limited<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

beforeAll(async () => {
  // The relay enforces its fee floor here, as `npm start`'s does (issue 17): the README's commands and the
  // quickstart sign the quoted fee without being told to.
  const policy = process.env.VEIL_FEE_POLICY;
  process.env.VEIL_FEE_POLICY = "enforce";
  try {
    devnet = await startDevnet({ relay: true, slotMs: 1000, quiet: true });
  } finally {
    process.env.VEIL_FEE_POLICY = policy;
  }
  cwd = mkdtempSync(join(tmpdir(), "veil-cli-"));
  mkdirSync(join(cwd, ".veil"));
  writeFileSync(join(cwd, ".veil/devnet.json"), JSON.stringify(devnet.toJSON(), null, 2));
});
afterAll(async () => {
  await devnet?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe("veil CLI", () => {
  it("should print help for every command and run as `npx veil` in the repo", async () => {
    const npxRun = () =>
      new Promise<Run>((done) => {
        const child = spawn("npx", ["veil", "order", "--help"], { cwd: ROOT });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.on("close", (code) => done({ code, stdout, stderr: "" }));
      });
    const [main, bare, npx, ...cmds] = await limited(2, [
      () => veil(["--help"]),
      () => veil([]),
      npxRun,
      ...["info", "approve", "order", "status", "cancel"].map((c) => () => veil([c, "--help"])),
    ]);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/Commands:[\s\S]*order[\s\S]*Exit codes:/);
    expect(bare.code).toBe(2);
    expect(npx.code).toBe(0);
    expect(npx.stdout).toContain("Usage: veil order --sell TOKEN:AMOUNT");
    for (const [i, c] of ["info", "approve", "order", "status", "cancel"].entries()) {
      expect(cmds[i].code, c).toBe(0);
      expect(cmds[i].stdout).toContain(`Usage: veil ${c}`);
    }
  }, 240_000);

  it("should reject each bad flag with a clear message, no stack trace and a non-zero exit", async () => {
    const trader = { VEIL_PRIVATE_KEY: key("trader3") };
    const badKeyFile = join(cwd, "bad.key");
    writeFileSync(badKeyFile, "0xnot-a-key-but-a-secret-looking-string");
    const cases: [string[], Record<string, string | undefined>, number, RegExp][] = [
      [
        ["order", "--sell", "FOO:1", "--buy", "USDC", "--min", "1"],
        trader,
        2,
        /Unknown token "FOO"[\s\S]*Known symbols: WETH, USDC, DAI/,
      ],
      [["order", "--sell", "WETH:1.2.3", "--buy", "USDC", "--min", "1"], trader, 2, /Invalid amount "1.2.3"/],
      [
        ["order", "--sell", "WETH:1", "--buy", "USDC", "--min", "1.1234567"],
        trader,
        2,
        /token has 6 decimals, got 7/,
      ],
      [["order", "--sell", "WETH:1", "--min", "1"], trader, 2, /missing --buy/],
      [
        ["order", "--sell", "WETH:1", "--buy", "USDC", "--min", "1"],
        {},
        2,
        /missing key: set VEIL_PRIVATE_KEY or pass --key-file/,
      ],
      [["approve", "WETH", "--key-file", badKeyFile], {}, 2, /invalid private key in --key-file/],
      [
        ["order", "--sell", "WETH:1", "--buy", "USDC", "--min", "1", "--frobnicate"],
        trader,
        2,
        /Unknown option '--frobnicate'/,
      ],
      [["status", "0x1234"], {}, 2, /order ID must be 0x followed by 64 hex digits/],
      [
        ["info", "--relay", "http://127.0.0.1:9"],
        {},
        4,
        /Relay unreachable at http:\/\/127\.0\.0\.1:9\/v1\/info/,
      ],
      [["cancel", `0x${"ab".repeat(32)}`], trader, 3, /Code: NOT_FOUND \(HTTP 404\)/],
    ];
    const results = await limited(
      2,
      cases.map(
        ([args, env]) =>
          () =>
            veil(args, env),
      ),
    );
    results.forEach((r, i) => {
      const [args, , code, message] = cases[i];
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr, args.join(" ")).not.toMatch(STACK_LINE);
      expect(r.stderr).not.toContain("secret-looking");
    });
    const json = await veil(["order", "--sell", "FOO:1", "--buy", "USDC", "--min", "1", "--json"], trader);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "UNKNOWN_TOKEN" } });
  }, 400_000);

  it("should run the README's commands and quickstart on the devnet, with --wait/--json and verified fills", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Trader client and CLI"));
    const quickstart = readFileSync(join(ROOT, "client/examples/quickstart.ts"), "utf8");
    expect(/```ts\n([\s\S]*?)```/.exec(section)![1]).toBe(
      quickstart.replace('"../index.js"', '"@veil/client"'),
    );
    const sh = /```sh\n([\s\S]*?)```/.exec(section)![1].trim().split("\n");
    const exported = /^export VEIL_PRIVATE_KEY=(0x[0-9a-f]{64})/.exec(sh[0]);
    expect(exported?.[1]).toBe(key("trader1"));
    const env = { VEIL_PRIVATE_KEY: exported![1] };

    // trader1 approves WETH up front so the README's `approve` and the quickstart never race on its tx nonce.
    const wallet = createWalletClient({
      account: privateKeyToAccount(key("trader1")),
      transport: http(devnet.builderUrl),
    }).extend(publicActions);
    const approve = await wallet.sendTransaction({
      chain: null,
      to: devnet.contracts.tokens.WETH,
      data: encodeFunctionData({
        abi: erc20Abi,
        functionName: "approve",
        args: [devnet.contracts.settlement, maxUint256],
      }),
    });
    await wallet.waitForTransactionReceipt({ hash: approve, pollingInterval: 200 });

    const readmeRun = (async () => {
      const outputs: Run[] = [];
      let lastId = "";
      for (const line of sh.slice(1)) {
        expect(line.startsWith("npx veil ")).toBe(true);
        const [command, comment = ""] = line.split("#");
        const args = command.trim().slice("npx veil ".length).split(/\s+/);
        const r = await veil(
          args.map((a) => (a === "<ID>" ? lastId : a)),
          env,
        );
        // The README states any non-zero exit in the line's comment ("exit 7").
        expect(r.code, `${line}\n${r.stderr}`).toBe(Number(/exit (\d+)/.exec(comment)?.[1] ?? 0));
        expect(r.stderr).not.toMatch(STACK_LINE);
        outputs.push(r);
        if (args[0] === "order")
          lastId = args.includes("--json")
            ? JSON.parse(r.stdout).id
            : /^Order (0x[0-9a-f]{64})/m.exec(r.stdout)![1];
      }
      return outputs;
    })();
    const quick = run([TSX_CLI, join(ROOT, "client/examples/quickstart.ts")]);
    // A second trader uses --key-file and --json; a third asks for more than the pool can give.
    const keyFile = join(cwd, "trader2.key");
    writeFileSync(keyFile, `${key("trader2")}\n`);
    const scripted = (async () => {
      const a = await veil(["approve", "USDC", "--key-file", keyFile, "--json"]);
      expect(a.code, a.stderr).toBe(0);
      const o = await veil([
        "order",
        "--sell",
        "USDC:1000",
        "--buy",
        "WETH",
        "--min",
        "0.1",
        "--wait",
        "--json",
        "--key-file",
        keyFile,
      ]);
      expect(o.code, o.stderr).toBe(0);
      // --wait on a settled order, without the order in hand: the Trade event is checked against the relay's copy.
      const s = await veil(["status", JSON.parse(o.stdout).id, "--wait", "--json"]);
      return {
        approve: JSON.parse(a.stdout),
        order: JSON.parse(o.stdout),
        status: JSON.parse(s.stdout),
        statusCode: s.code,
      };
    })();
    const unfilled = (async () => {
      const env3 = { VEIL_PRIVATE_KEY: key("trader3") };
      await veil(["approve", "WETH"], env3);
      return veil(
        ["order", "--sell", "WETH:0.1", "--buy", "USDC", "--min", "1000000", "--wait", "--json"],
        env3,
      );
    })();

    const [outs, q, s, u] = await Promise.all([readmeRun, quick, scripted, unfilled]);
    const [info, approveOut, quoted, waited, slipped, committed, placed, unfilledStatus, cancelled] = outs;
    expect(quoted.stdout).toMatch(
      /^Quote {7}sell 1 WETH for about [0-9.]+ USDC \(pool price at block \d+, net of the fee\)/m,
    );
    expect(quoted.stdout).toMatch(
      /^Fee {9}0\.[0-9]+ WETH \(out of the sell amount: \d+ gas at [0-9.]+ gwei \+ 25% margin\)/m,
    );
    // no --min: the quote is shown before signing, the fee is signed, the limit is the quote less 1%
    expect(slipped.stderr).toMatch(/^Quote {7}sell 0\.2 WETH for about/m);
    expect(slipped.stdout).toMatch(
      /sell 0\.2 WETH \(fee 0\.[0-9]+ WETH included\) for at least [0-9.]+ USDC/,
    );
    expect(slipped.stdout).toMatch(/filled: sold 0\.2 WETH for [0-9.]+ USDC in tx 0x[0-9a-f]{64}/);
    expect(info.stdout).toContain("Chain       31337 (matches the RPC node)");
    expect(info.stdout).toContain(
      `Settlement  ${devnet.contracts.settlement} (code and EIP-712 domain verified)`,
    );
    expect(approveOut.stdout).toContain("Allowance already unlimited WETH; nothing sent");
    expect(waited.stdout).toMatch(
      /filled: sold 1 WETH for [0-9.]+ USDC in tx 0x[0-9a-f]{64} \(block \d+, Trade event verified\)/,
    );
    expect(waited.stderr).toMatch(/open -> committed -> settled \(filled\)/);
    const c = JSON.parse(committed.stdout);
    expect(c).toMatchObject({ mode: "commit", state: "filled", reason: null });
    expect(BigInt(c.fill.buyAmount)).toBeGreaterThanOrEqual(500_000_000n);
    expect(c.inclusion.chainBatchId).toBe(c.fill.chainBatchId);
    expect(placed.stdout).toMatch(/follow it with: veil status 0x[0-9a-f]{64} --wait/);
    expect(unfilledStatus.stdout).toMatch(/state: unfilled \(LIMIT_NOT_MET\)/);
    expect(unfilledStatus.stdout).toMatch(/proof verified against root 0x[0-9a-f]{64}/);
    expect(cancelled.stdout).toMatch(/^Nonce \d+ invalidated on chain \(tx 0x[0-9a-f]{64}\)/);
    const burnt = await wallet.readContract({
      address: devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "isNonceUsed",
      args: [wallet.account.address, BigInt(/^Nonce (\d+)/.exec(cancelled.stdout)![1])],
    });
    expect(burnt).toBe(true);

    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/^order 0x[0-9a-f]{64} filled: got \d+ USDC base units in tx 0x[0-9a-f]{64}/);

    expect(s.approve.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(s.order).toMatchObject({ mode: "sealed", state: "filled", order: { sellAmount: "1000000000" } });
    expect(BigInt(s.order.fill.buyAmount)).toBeGreaterThanOrEqual(10n ** 17n);
    expect(s.statusCode).toBe(0);
    expect(s.status).toMatchObject({
      id: s.order.id,
      state: "filled",
      fill: { txHash: s.order.fill.txHash },
    });
    expect(s.status.inclusion.root).toMatch(/^0x[0-9a-f]{64}$/);
    expect(s.status.verifiedFill).toEqual({ ...s.order.fill });

    expect(u.code, u.stderr).toBe(7);
    expect(JSON.parse(u.stdout)).toMatchObject({ state: "unfilled", reason: "LIMIT_NOT_MET", fill: null });
  }, 360_000);
});

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/devnet/binaries.js";
import type { DevnetJson } from "../helpers/devnet.js";

const READY_LINE = "Ctrl-C to stop.";
const dir = mkdtempSync(join(tmpdir(), "veil-start-"));

/** All descendants of `pid` with their command names (ps, as a person would check by hand). */
function descendants(pid: number): { pid: number; comm: string }[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([p, pp, comm]) => ({ pid: Number(p), ppid: Number(pp), comm: comm ?? "" }));
  const found: { pid: number; comm: string }[] = [];
  const walk = (parent: number) => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, comm: row.comm });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

/**
 * Descendants still alive after up to `graceMs`: tsx's esbuild helper exits on its own once its parent's
 * pipe closes, which can take a moment on a loaded machine; anvil, the builder and the relay must be gone.
 */
async function survivors(procs: { pid: number; comm: string }[], graceMs = 5_000) {
  const deadline = Date.now() + graceMs;
  let left = procs.filter((p) => alive(p.pid));
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter((p) => alive(p.pid));
  }
  return left;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port p such that p, p+1 and p+2 (anvil, builder, relay) were free a moment ago. */
async function freePortBase(): Promise<number> {
  const isFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer()
        .once("error", () => resolve(false))
        .listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if ((await isFree(port)) && (await isFree(port + 1)) && (await isFree(port + 2))) return port;
  }
}

/** Runs `tsx scripts/devnet/start.ts` as `npm start` does and waits for its ready line. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/devnet/start.ts", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: a group SIGINT is what Ctrl-C in a terminal sends
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    output += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (output.includes(READY_LINE)) {
        clearInterval(check);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(check);
      reject(new Error(`npm start exited early (${code}):\n${output}`));
    });
  });
  return { child, output: () => output };
}

describe("npm start", () => {
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("should write devnet.json on --port-base and leave no process behind on SIGTERM", async () => {
    const portBase = await freePortBase();
    const out = join(dir, "a.json");
    const { child, output } = await startCli([
      "--port-base",
      String(portBase),
      "--slot-ms",
      "200",
      "--out",
      out,
    ]);
    const json = JSON.parse(readFileSync(out, "utf8")) as DevnetJson;
    expect(json.rpcUrl).toBe(`http://127.0.0.1:${portBase}`);
    expect(json.builderUrl).toBe(`http://127.0.0.1:${portBase + 1}`);
    expect(output()).toContain(json.builderUrl);
    expect(json.accounts).toHaveLength(10);
    expect(Object.keys(json.contracts.tokens).sort()).toEqual(["DAI", "USDC", "WETH"]);

    const procs = descendants(child.pid!);
    expect(procs.map((p) => p.comm)).toContain("anvil");
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    process.kill(child.pid!, "SIGTERM");
    expect(await exited).toBe(0);
    expect(await survivors(procs)).toEqual([]);
    await expect(fetch(json.builderUrl, { method: "POST", body: "{}" })).rejects.toThrow();
  });

  it("should stop everything on Ctrl-C (SIGINT to the process group)", async () => {
    const out = join(dir, "b.json");
    const { child } = await startCli(["--slot-ms", "200", "--out", out]);
    const json = JSON.parse(readFileSync(out, "utf8")) as DevnetJson;
    const procs = descendants(child.pid!);
    expect(procs.map((p) => p.comm)).toContain("anvil");
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(-child.pid!, "SIGINT");
    await exited;
    expect(await survivors(procs)).toEqual([]);
    await expect(fetch(json.rpcUrl, { method: "POST", body: "{}" })).rejects.toThrow();
  });

  it("should leave no anvil or relay behind when the devnet process is SIGKILLed", async () => {
    const out = join(dir, "c.json");
    const { child } = await startCli(["--slot-ms", "200", "--out", out]);
    const json = JSON.parse(readFileSync(out, "utf8")) as DevnetJson & { relayUrl: string };
    const procs = descendants(child.pid!);
    // the node running start.ts is anvil's parent; a SIGKILL gives it no chance to stop its children
    const anvil = procs.find((p) => p.comm === "anvil");
    expect(anvil).toBeDefined();
    const devnetPid = Number(
      execFileSync("ps", ["-o", "ppid=", "-p", String(anvil!.pid)], { encoding: "utf8" }).trim(),
    );
    const children = descendants(devnetPid);
    expect(children.length).toBeGreaterThanOrEqual(2); // anvil and the relay
    // the relay runs as plain JavaScript bundled from the sources (scripts/devnet/bundleRelay.ts), not via tsx
    const commandLines = children.map((c) =>
      execFileSync("ps", ["-o", "args=", "-p", String(c.pid)], { encoding: "utf8" }).trim(),
    );
    expect(commandLines.find((l) => l.includes("relay-bundles"))).toMatch(/relay-bundles\/\d+-\w+\/main\.js/);
    expect((await fetch(`${json.relayUrl}/healthz`)).ok).toBe(true);
    process.kill(devnetPid, "SIGKILL");
    expect(await survivors(children, 15_000)).toEqual([]);
    await expect(fetch(`${json.relayUrl}/healthz`)).rejects.toThrow();
    try {
      process.kill(-child.pid!, "SIGKILL"); // the tsx wrapper, if it outlived its child
    } catch {
      // already gone
    }
  });

  it("should refuse a bad flag with a usage message", async () => {
    const child = spawn(
      join(REPO_ROOT, "node_modules", ".bin", "tsx"),
      ["scripts/devnet/start.ts", "--slot-ms", "abc"],
      {
        cwd: REPO_ROOT,
      },
    );
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--slot-ms must be an integer/);
  });
});

import { spawn } from "node:child_process";
import { foundryBinary } from "./binaries.js";
import { trackChild } from "./childProcesses.js";
import { withParentDeathSignal } from "./parentDeathSignal.js";

/** A running anvil, spawned from its npm binary so it can be stopped by pid. */
export type AnvilProcess = { pid: number; port: number; url: string; stop(): Promise<void> };

export type SpawnAnvilOptions = {
  /** TCP port; 0 lets anvil pick a free one (race-free for parallel test files). */
  port?: number;
  chainId?: number;
  /** Time limit to come up. */
  startTimeoutMs?: number;
  /**
   * A state file (anvil's `--load-state`: the JSON `anvil_dumpState` gzips) to start from: a node restarted
   * with what it had at the dump. A large state cannot go back through `anvil_loadState` (anvil refuses a
   * request that big: "Invalid request").
   */
  loadState?: string;
};

const ANVIL_START_TIMEOUT_MS = 20_000;
const ANVIL_STOP_TIMEOUT_MS = 5_000;

/**
 * Starts anvil with `--no-mining`: blocks are produced only by the local builder (evm_mine), so private
 * bundles and public transactions land in the same block, as with a real builder. `--order fifo` keeps a
 * mined block in arrival order, which is how the builder puts bundle transactions first and in order.
 *
 * @param options port (0 = any free port) and chain id
 * @returns the running process
 * @example const anvil = await spawnAnvil({ port: 0 }); ... await anvil.stop();
 */
export async function spawnAnvil({
  port = 0,
  chainId = 31337,
  startTimeoutMs = ANVIL_START_TIMEOUT_MS,
  loadState,
}: SpawnAnvilOptions = {}): Promise<AnvilProcess> {
  const args = ["--no-mining", "--order", "fifo", "--host", "127.0.0.1", "--port", String(port)];
  args.push("--chain-id", String(chainId), "--accounts", "10", "--balance", "10000");
  if (loadState) args.push("--load-state", loadState);
  // if this process dies, even by SIGKILL, the kernel kills anvil too
  const [command, argv] = withParentDeathSignal(foundryBinary("anvil"), args, "KILL");
  // Own process group: a terminal Ctrl-C reaches only our process, which then stops the builder before
  // anvil (instead of anvil dying first under a build in progress).
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const untrack = trackChild(child);
  let output = "";

  const actualPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`anvil did not start within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${err.message}\n${output.slice(-2000)}`));
    }
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Listening on [\d.]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        output = ""; // anvil logs every request; stop keeping it
        child.stdout.off("data", onData);
        child.stdout.resume(); // drain so a full pipe never blocks anvil
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", fail);
    child.once("exit", (code, signal) =>
      fail(new Error(`anvil exited early (code ${code}, signal ${signal})`)),
    );
  });
  child.removeAllListeners("exit");
  child.stderr.resume();

  const pid = child.pid!;
  return {
    pid,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        untrack();
        return;
      }
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), ANVIL_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      untrack();
    },
  };
}

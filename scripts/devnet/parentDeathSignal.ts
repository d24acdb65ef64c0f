import { existsSync } from "node:fs";

/**
 * util-linux `setpriv` (Essential on Debian) sets the parent-death signal, then execs the program in place
 * (same pid).
 */
const SETPRIV = "/usr/bin/setpriv";

/**
 * Wraps a command so the kernel sends it `signal` when this process dies, even by SIGKILL (a killed test
 * worker, `kill -9` of npm start, a scenario run stopped by its time limit), where no exit hook can run and
 * the child would otherwise live on, orphaned, holding its port. Without setpriv the command runs as is.
 * @example spawn(...withParentDeathSignal(foundryBinary("anvil"), ["--no-mining"], "KILL"))
 */
export function withParentDeathSignal(
  command: string,
  args: string[],
  signal: "KILL" | "TERM",
): [string, string[]] {
  return existsSync(SETPRIV) ? [SETPRIV, ["--pdeathsig", signal, "--", command, ...args]] : [command, args];
}

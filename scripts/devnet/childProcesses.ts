import type { ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/**
 * Registers a spawned child (anvil, the relay) to be killed by pid if this process exits without stopping
 * it (crash, uncaught error, process.exit). A clean `stop()` unregisters it first.
 *
 * @param child the spawned process
 * @returns a function that unregisters it
 * @example const untrack = trackChild(anvil); ... untrack();
 */
export function trackChild(child: ChildProcess): () => void {
  if (!hooked) {
    hooked = true;
    // "exit" runs synchronously on every exit path, including process.exit() and uncaught exceptions.
    process.on("exit", killAll);
  }
  children.add(child);
  return () => children.delete(child);
}

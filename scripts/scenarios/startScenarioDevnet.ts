import { type Devnet, startDevnet } from "../devnet/startDevnet.js";

/**
 * Relay timing for scenario runs: batches close every 100 ms and the relay polls the head every 25 ms, so a
 * replayed order takes a few blocks of wall-clock time, not seconds per block. Env (read by relay/config.ts
 * through spawnRelay) so an explicit VEIL_* setting still wins.
 */
const SCENARIO_RELAY_ENV = { VEIL_BATCH_INTERVAL_MS: "100", VEIL_POLL_MS: "25" };

/**
 * A devnet for scenarios: blocks only on demand (the runner drives them) and the relay. If the relay cannot
 * start, the devnet comes up without it and the relay routes report "unavailable" (never faked).
 * @example const devnet = await startScenarioDevnet(); ... await devnet.stop();
 */
export async function startScenarioDevnet(log: (m: string) => void = console.error): Promise<Devnet> {
  for (const [k, v] of Object.entries(SCENARIO_RELAY_ENV)) process.env[k] ??= v;
  try {
    return await startDevnet({ slotMs: null, relay: true, quiet: true });
  } catch (err) {
    log(`devnet with relay failed (${(err as Error).message}); relay routes will be reported unavailable`);
    return startDevnet({ slotMs: null, relay: false, quiet: true });
  }
}

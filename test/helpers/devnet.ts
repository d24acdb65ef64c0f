/**
 * Test harness: each suite starts its own isolated devnet (free ports) in beforeAll and stops it in
 * afterAll. Use `slotMs: null` + `devnet.buildBlock()` for deterministic blocks, or a small slotMs (200)
 * when a client polls for new blocks (e.g. the Flashbots `.wait()`).
 */

export { type DevnetAccount, devnetAccounts } from "../../scripts/devnet/devnetAccounts.js";
export {
  type Devnet,
  type DevnetJson,
  type StartDevnetOptions,
  startDevnet,
} from "../../scripts/devnet/startDevnet.js";

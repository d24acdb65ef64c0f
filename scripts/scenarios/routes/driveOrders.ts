import { type Hex, parseAbi } from "viem";
import { relayRequest } from "../../../client/relay/relayRequest.js";
import {
  FINAL_ORDER_STATES,
  orderStatusSchema,
  type RelayInfo,
  type OrderStatus as RelayOrderStatus,
} from "../../../client/relay/relaySchemas.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";
import { RelayPacer } from "./relayPacer.js";

/** Blocks orders get to reach a final state (batch close + commit + reveal delay + settle + retries). */
export const ORDER_MAX_BLOCKS = 40;

const batchesAbi = parseAbi([
  "function batches(uint256) view returns (bytes32 root, uint32 leafCount, uint64 commitBlock, bool settled, address operator)",
]);

/** Hooks a route runs between blocks (the trader's client acting on what it sees). */
export type DriveHooks = {
  /** Before the runner decides whether to wait for the relay: reveal, verify proofs, ... */
  beforeDecide?(statuses: RelayOrderStatus[]): Promise<void>;
  /** Right before the block is built: e.g. a public market move that lands in it. */
  beforeStep?(statuses: RelayOrderStatus[]): Promise<void>;
  /**
   * Largest `commitBy` of the commit-mode orders driven (order v2): their batch's reveals stay open until
   * `revealAfter + revealWindow`, so the relay has no settle to send before then.
   */
  revealAfter?: bigint;
};

/**
 * Builds blocks until every order is final or the block budget runs out, pacing each block to the relay:
 * when the relay has something to send at this head (a commit while an order is pending, a settle once the
 * reveal window has passed) the block waits until it has sent (see RelayPacer); otherwise (reveal delay) it
 * is built at once. After each block the relay gets a moment to see the result.
 * @returns the final statuses and the blocks from start to the last fill
 */
export async function driveOrders(
  rt: ScenarioRuntime,
  relayUrl: string,
  info: RelayInfo,
  ids: Hex[],
  waitMs: number,
  hooks: DriveHooks = {},
): Promise<{ statuses: RelayOrderStatus[]; blocks: number }> {
  const pacer = new RelayPacer(relayUrl, waitMs);
  const getAll = () =>
    Promise.all(
      ids.map((id) => relayRequest(relayUrl, { path: `/v1/orders/${id}`, schema: orderStatusSchema })),
    );
  const open = (ss: RelayOrderStatus[]) => ss.filter((s) => !FINAL_ORDER_STATES.includes(s.state));
  const window = BigInt(Math.max(info.revealWindowBlocks ?? 0, info.revealDelayBlocks ?? 0, 1));
  const start = await rt.client.getBlockNumber();
  let statuses = await getAll();
  let attempts = await pacer.attempts();
  for (let i = 0; i < ORDER_MAX_BLOCKS && open(statuses).length > 0; i++) {
    await hooks.beforeDecide?.(statuses);
    statuses = await getAll();
    if (open(statuses).length === 0) break;
    const head = await rt.client.getBlockNumber();
    let relayIdle = true;
    for (const s of open(statuses)) {
      const commitBlock = await onChainCommitBlock(rt, s);
      let settleFrom = commitBlock === null ? 0n : commitBlock + window - 1n;
      if (hooks.revealAfter !== undefined && hooks.revealAfter + window > settleFrom)
        settleFrom = hooks.revealAfter + window;
      if (commitBlock === null || head >= settleFrom) relayIdle = false;
    }
    if (!relayIdle) await pacer.waitUntil(async () => (await pacer.attempts()) > attempts);
    await hooks.beforeStep?.(statuses);
    attempts = await pacer.attempts();
    await rt.step();
    const before = statuses.map((s) => s.state).join();
    await pacer.waitUntil(async () => {
      statuses = await getAll();
      return statuses.map((s) => s.state).join() !== before || (await pacer.attempts()) > attempts;
    });
    statuses = await getAll();
  }
  const fills = statuses.filter((s) => s.fill).map((s) => BigInt(s.fill!.blockNumber));
  const end = fills.length ? fills.sort((a, b) => (a < b ? 1 : -1))[0] : await rt.client.getBlockNumber();
  return { statuses, blocks: Number(end - start) };
}

/** The block the order's batch was committed in, read from the contract (null before the commit). */
export async function onChainCommitBlock(rt: ScenarioRuntime, s: RelayOrderStatus): Promise<bigint | null> {
  const root = await onChainBatch(rt, s);
  return root && root.commitBlock !== 0n ? root.commitBlock : null;
}

/** The order's batch as the contract records it (null before the relay reports a chain batch id). */
export async function onChainBatch(
  rt: ScenarioRuntime,
  s: RelayOrderStatus,
): Promise<{ root: Hex; commitBlock: bigint } | null> {
  if (s.chainBatchId === null || s.chainBatchId === undefined) return null;
  const [root, , commitBlock] = await rt.client.readContract({
    address: rt.devnet.contracts.settlement,
    abi: batchesAbi,
    functionName: "batches",
    args: [BigInt(s.chainBatchId)],
  });
  return { root, commitBlock };
}

import { type Hex, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { sealOrder } from "../../../client/envelope/sealedEnvelope.js";
import { verifyMerkleProof } from "../../../client/merkle/merkleTree.js";
import { commitmentTypedData } from "../../../client/order/offchainMessages.js";
import {
  hashOrder,
  ORDER_TYPES,
  type Order,
  orderLeaf,
  randomSalt,
  veilDomain,
} from "../../../client/order/order.js";
import { signedOrderToJson } from "../../../client/wire/orderWire.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";
import type { PreparedTrade, RouteOutcome } from "./preparedTrade.js";
import { RelayPacer } from "./relayPacer.js";
import {
  FINAL_STATES,
  type RelayInfo,
  type RelayOrderStatus,
  RelayRequestError,
  relayRequest,
} from "./relayRest.js";

/** Blocks an order gets to reach a final state (batch close + commit + reveal delay + settle + retries). */
export const ORDER_MAX_BLOCKS = 30;

const batchesAbi = parseAbi([
  "function batches(uint256) view returns (bytes32 root, uint32 leafCount, uint64 commitBlock, bool settled, address operator)",
]);

let nonceCounter = 1n << 40n;

/** Builds and signs the Veil order equivalent to the victim's swap (same amount, same limit). */
async function signTradeOrder(rt: ScenarioRuntime, t: PreparedTrade, info: RelayInfo) {
  const account = privateKeyToAccount(t.trader.privateKey);
  const block = await rt.client.getBlock({ blockTag: "latest" });
  const validity = BigInt(Math.min(info.maxValiditySeconds, 3600)) - 30n;
  const order: Order = {
    trader: account.address,
    sellToken: t.sellToken,
    buyToken: t.buyToken,
    sellAmount: t.sellAmount,
    minBuyAmount: t.minBuyAmount,
    // a fresh nonce per submission: the relay's store outlives the chain snapshots the runner reverts to
    nonce: nonceCounter++,
    // the relay checks validity against its wall clock, the contract against block time: take the later
    validTo:
      [BigInt(Math.floor(Date.now() / 1000)), block.timestamp].reduce((a, b) => (a > b ? a : b)) + validity,
  };
  const { devnet } = rt;
  const signature = await account.signTypedData({
    domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  const salt = randomSalt();
  return { order, signature, salt, account };
}

/**
 * Builds blocks until the order is final or the block budget runs out, pacing each block to the relay:
 * when the relay has something to send at this head (a commit while the order is pending, a settle once
 * the reveal window has passed) the block waits until it has sent (see RelayPacer); otherwise (reveal delay)
 * it is built at once. After each block the runner gives the relay a moment to see its result.
 */
async function driveUntilFinal(
  rt: ScenarioRuntime,
  relayUrl: string,
  info: RelayInfo,
  id: Hex,
  waitMs: number,
  onStatus?: (s: RelayOrderStatus) => Promise<void>,
): Promise<{ status: RelayOrderStatus; blocks: number }> {
  const pacer = new RelayPacer(relayUrl, waitMs);
  const get = () => relayRequest<RelayOrderStatus>(relayUrl, "GET", `/v1/orders/${id}`);
  const window = BigInt(Math.max(info.revealWindowBlocks ?? 0, info.revealDelayBlocks ?? 0, 1));
  const start = await rt.client.getBlockNumber();
  let status = await get();
  let attempts = await pacer.attempts();
  for (let i = 0; i < ORDER_MAX_BLOCKS && !FINAL_STATES.has(status.state); i++) {
    // the trader acts (reveals) on what it sees before the next block, as a client watching a 12 s slot would
    if (onStatus) await onStatus(status);
    const head = await rt.client.getBlockNumber();
    const commitBlock = await onChainCommitBlock(rt, status);
    const relayIdle = commitBlock !== null && head < commitBlock + window - 1n;
    if (!relayIdle) await pacer.waitUntil(async () => (await pacer.attempts()) > attempts);
    attempts = await pacer.attempts();
    await rt.step();
    const before = status.state;
    await pacer.waitUntil(async () => {
      status = await get();
      return status.state !== before || (await pacer.attempts()) > attempts;
    });
    status = await get();
  }
  const end = status.fill ? BigInt(status.fill.blockNumber) : await rt.client.getBlockNumber();
  return { status, blocks: Number(end - start) };
}

/** The block the order's batch was committed in, read from the contract (null before the commit). */
async function onChainCommitBlock(rt: ScenarioRuntime, s: RelayOrderStatus): Promise<bigint | null> {
  if (s.chainBatchId === null || s.chainBatchId === undefined) return null;
  const [, , commitBlock] = await rt.client.readContract({
    address: rt.devnet.contracts.settlement,
    abi: batchesAbi,
    functionName: "batches",
    args: [BigInt(s.chainBatchId)],
  });
  return commitBlock === 0n ? null : commitBlock;
}

function outcomeOf(status: RelayOrderStatus, blocks: number): RouteOutcome {
  if (status.state === "filled") return { status: "ok", gasPaidWei: 0n, blocksToInclusion: blocks };
  const note = FINAL_STATES.has(status.state)
    ? `${status.state}: ${status.reason ?? status.error ?? ""}`
    : `still ${status.state} after ${ORDER_MAX_BLOCKS} blocks`;
  return {
    status: status.state === "failed" ? "error" : "unfilled",
    gasPaidWei: 0n,
    blocksToInclusion: null,
    note,
  };
}

function failed(err: unknown): RouteOutcome {
  const note =
    err instanceof RelayRequestError ? err.message : `relay request failed: ${(err as Error).message}`;
  return { status: "error", gasPaidWei: 0n, blocksToInclusion: null, note };
}

/** Veil sealed order: ECIES envelope to the relay (`POST /v1/orders`), then blocks until settled. */
export async function runSealedRoute(
  rt: ScenarioRuntime,
  t: PreparedTrade,
  relayUrl: string,
  info: RelayInfo,
  waitMs: number,
): Promise<RouteOutcome> {
  try {
    const { order, signature, salt } = await signTradeOrder(rt, t, info);
    const ciphertext = sealOrder(info.eciesPublicKey, { order, signature, salt });
    const { id } = await relayRequest<{ id: Hex }>(relayUrl, "POST", "/v1/orders", { ciphertext });
    const { status, blocks } = await driveUntilFinal(rt, relayUrl, info, id, waitMs);
    return outcomeOf(status, blocks);
  } catch (err) {
    return failed(err);
  }
}

/**
 * Veil commit order: only the salted leaf goes out (`POST /v1/commitments`); once the batch root is on
 * chain the trader checks its Merkle proof against the contract's root, and only then reveals.
 */
export async function runCommitRoute(
  rt: ScenarioRuntime,
  t: PreparedTrade,
  relayUrl: string,
  info: RelayInfo,
  waitMs: number,
): Promise<RouteOutcome> {
  try {
    const { order, signature, salt, account } = await signTradeOrder(rt, t, info);
    const { devnet } = rt;
    const leaf = orderLeaf(hashOrder(order, devnet.chainId, devnet.contracts.settlement), salt);
    const commitSig = await account.signTypedData(
      commitmentTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
    );
    const { id } = await relayRequest<{ id: Hex }>(relayUrl, "POST", "/v1/commitments", {
      leaf,
      trader: account.address,
      signature: commitSig,
    });
    let revealed = false;
    const { status, blocks } = await driveUntilFinal(rt, relayUrl, info, id, waitMs, async (s) => {
      if (revealed || s.state !== "committed" || s.chainBatchId === null || !s.proof) return;
      const [root] = await rt.client.readContract({
        address: devnet.contracts.settlement,
        abi: batchesAbi,
        functionName: "batches",
        args: [BigInt(s.chainBatchId)],
      });
      if (!verifyMerkleProof(leaf, s.proof, root))
        throw new Error("relay's Merkle proof does not match the on-chain root");
      await relayRequest(relayUrl, "POST", "/v1/reveals", signedOrderToJson({ order, signature, salt }));
      revealed = true;
    });
    return outcomeOf(status, blocks);
  } catch (err) {
    return failed(err);
  }
}

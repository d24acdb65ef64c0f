import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { defaultCommitBy } from "../../../client/actions/buildOrder.js";
import { sealOrder } from "../../../client/envelope/sealedEnvelope.js";
import { RelayError } from "../../../client/errors/relayError.js";
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
import { revealDecision } from "../../../client/order/revealRule.js";
import { relayRequest } from "../../../client/relay/relayRequest.js";
import {
  acceptedOrderSchema,
  FINAL_ORDER_STATES,
  orderStateAnswerSchema,
  type RelayInfo,
  type OrderStatus as RelayOrderStatus,
} from "../../../client/relay/relaySchemas.js";
import { signedOrderToJson } from "../../../client/wire/orderWire.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";
import { driveOrders, ORDER_MAX_BLOCKS, onChainBatch } from "./driveOrders.js";
import type { PreparedTrade, RouteOutcome } from "./preparedTrade.js";
import { quoteFee } from "./quoteFee.js";

let nonceCounter = 1n << 40n;

/** A signed Veil order plus what a commit-mode trader needs to reveal it later. */
export type SignedTradeOrder = { order: Order; signature: Hex; salt: Hex; leaf: Hex };

/**
 * Builds and signs the Veil order equivalent to the victim's swap (same limit), with the client's default
 * `commitBy` for this relay (order v2) unless one is given. A `feeAmount` (order v3) is signed on top of the
 * swap's amount (`sellAmount` = the victim's amount + fee, the contract takes the fee out of it), so the
 * same amount reaches the pool as on the other routes and the fee shows beside the loss, not inside it.
 */
export async function signTradeOrder(
  rt: ScenarioRuntime,
  t: PreparedTrade,
  info: RelayInfo,
  commitBy?: bigint,
  feeAmount = 0n,
): Promise<SignedTradeOrder> {
  const account = privateKeyToAccount(t.trader.privateKey);
  const block = await rt.client.getBlock({ blockTag: "latest" });
  const validity = BigInt(Math.min(info.maxValiditySeconds, 3600)) - 30n;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const order: Order = {
    trader: account.address,
    sellToken: t.sellToken,
    buyToken: t.buyToken,
    sellAmount: t.sellAmount + feeAmount,
    minBuyAmount: t.minBuyAmount,
    // a fresh nonce per submission: the relay's store outlives the chain snapshots the runner reverts to
    nonce: nonceCounter++,
    // the relay checks validity against its wall clock, the contract against block time: take the later
    validTo: (now > block.timestamp ? now : block.timestamp) + validity,
    commitBy: commitBy ?? defaultCommitBy(block.number, info),
    feeAmount,
  };
  const { devnet } = rt;
  const signature = await account.signTypedData({
    domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  const salt = randomSalt();
  const leaf = orderLeaf(hashOrder(order, devnet.chainId, devnet.contracts.settlement), salt);
  return { order, signature, salt, leaf };
}

/** {@link signTradeOrder} with the fee the relay quotes for the trade now (quoteFee.ts). */
export async function signQuotedOrder(
  rt: ScenarioRuntime,
  t: PreparedTrade,
  relayUrl: string,
  info: RelayInfo,
): Promise<SignedTradeOrder> {
  return signTradeOrder(rt, t, info, undefined, await quoteFee(relayUrl, t));
}

/** Sends a sealed order (`POST /v1/orders`); returns its id. */
export async function submitSealed(relayUrl: string, info: RelayInfo, s: SignedTradeOrder): Promise<Hex> {
  const ciphertext = sealOrder(info.eciesPublicKey, s);
  return (
    await relayRequest(relayUrl, {
      method: "POST",
      path: "/v1/orders",
      body: { ciphertext },
      schema: acceptedOrderSchema,
    })
  ).id;
}

/** Sends a commitment (`POST /v1/commitments`, only the salted leaf); returns its id. */
export async function submitCommitment(
  rt: ScenarioRuntime,
  relayUrl: string,
  t: PreparedTrade,
  s: SignedTradeOrder,
) {
  const account = privateKeyToAccount(t.trader.privateKey);
  const { chainId, contracts } = rt.devnet;
  const signature = await account.signTypedData(
    commitmentTypedData(chainId, contracts.settlement, account.address, s.leaf),
  );
  return (
    await relayRequest(relayUrl, {
      method: "POST",
      path: "/v1/commitments",
      body: { leaf: s.leaf, trader: account.address, signature, commitBy: s.order.commitBy.toString() },
      schema: acceptedOrderSchema,
    })
  ).id;
}

/**
 * Reveals a committed order as the client does (order v2, `revealDecision`): once its batch root is on
 * chain, the relay's Merkle proof checks out against that root, the batch was committed by the order's
 * `commitBy`, and the head is past `commitBy`. Returns false (nothing sent) while it must wait.
 */
export async function revealWhenCommitted(
  rt: ScenarioRuntime,
  relayUrl: string,
  status: RelayOrderStatus,
  s: SignedTradeOrder,
): Promise<boolean> {
  if (status.state !== "committed" || !status.proof) return false;
  const batch = await onChainBatch(rt, status);
  if (!batch || batch.commitBlock === 0n) return false;
  if (!verifyMerkleProof(s.leaf, status.proof, batch.root)) {
    throw new Error("relay's Merkle proof does not match the on-chain root");
  }
  const head = await rt.client.getBlockNumber({ cacheTime: 0 });
  const decision = revealDecision({ commitBy: s.order.commitBy, head, inclusion: batch });
  if (!decision.reveal) {
    if (decision.wait) return false;
    throw new Error(`not revealing: ${decision.reason}`);
  }
  await relayRequest(relayUrl, {
    method: "POST",
    path: "/v1/reveals",
    body: signedOrderToJson(s),
    schema: orderStateAnswerSchema,
  });
  return true;
}

/**
 * Maps a final relay status to a route outcome (traders pay no gas on Veil routes: the operator does; a
 * filled order paid its signed `feeAmount`, an unfilled one nothing).
 */
export function outcomeOf(status: RelayOrderStatus, blocks: number, feeAmount = 0n): RouteOutcome {
  if (status.state === "filled")
    return { status: "ok", gasPaidWei: 0n, feePaid: feeAmount, blocksToInclusion: blocks };
  const note = FINAL_ORDER_STATES.includes(status.state)
    ? `${status.state}: ${status.reason ?? status.error ?? ""}`
    : `still ${status.state} after ${ORDER_MAX_BLOCKS} blocks`;
  return {
    status: status.state === "failed" ? "error" : "unfilled",
    gasPaidWei: 0n,
    blocksToInclusion: null,
    note,
  };
}

/** A route outcome for a request that failed (relay error body or network). */
export function failed(err: unknown): RouteOutcome {
  const note =
    err instanceof RelayError
      ? `${err.code}: ${err.shortMessage}`
      : `relay request failed: ${(err as Error).message}`;
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
    const signed = await signQuotedOrder(rt, t, relayUrl, info);
    const id = await submitSealed(relayUrl, info, signed);
    const { statuses, blocks } = await driveOrders(rt, relayUrl, info, [id], waitMs);
    return outcomeOf(statuses[0], blocks, signed.order.feeAmount);
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
    const signed = await signQuotedOrder(rt, t, relayUrl, info);
    const id = await submitCommitment(rt, relayUrl, t, signed);
    let revealed = false;
    const { statuses, blocks } = await driveOrders(rt, relayUrl, info, [id], waitMs, {
      revealAfter: signed.order.commitBy,
      async beforeDecide([s]) {
        if (!revealed) revealed = await revealWhenCommitted(rt, relayUrl, s, signed);
      },
    });
    return outcomeOf(statuses[0], blocks, signed.order.feeAmount);
  } catch (err) {
    return failed(err);
  }
}

import type { Hex } from "viem";
import { veilSettlementAbi } from "../abi/veilSettlementAbi.js";
import type { VeilClientBase } from "../createVeilClient.js";
import { OrderStateError } from "../errors/inputErrors.js";
import { ProofMismatchError } from "../errors/trustErrors.js";
import { verifyMerkleProof } from "../merkle/merkleTree.js";
import type { OrderStatus } from "../relay/relaySchemas.js";
import { getOrder } from "./getOrder.js";
import { verifyRelay } from "./verifyRelay.js";

export type VerifyInclusionParameters = {
  id: Hex | string;
  /** The leaf to prove (default: the order id, which is the leaf). */
  leaf?: Hex;
  /** A status already fetched with {@link getOrder} (saves a request). */
  status?: OrderStatus;
};
export type VerifyInclusionReturnType = {
  chainBatchId: bigint;
  root: Hex;
  leafIndex: number;
  leafCount: number;
  commitBlock: bigint;
};

/**
 * Proves that an order's leaf is in a batch committed on chain, trusting only the chain: the root is read
 * from `settlement.batches(chainBatchId)`, never taken from the relay, and the relay's proof must link the
 * leaf to it.
 * @throws ProofMismatchError when the proof, root or index does not check out; OrderStateError before commit
 * @example const { root, chainBatchId } = await verifyInclusion(client, { id })
 */
export async function verifyInclusion(
  client: VeilClientBase,
  { id, leaf = id as Hex, status }: VerifyInclusionParameters,
): Promise<VerifyInclusionReturnType> {
  const s = status ?? (await getOrder(client, { id }));
  if (s.chainBatchId == null || s.proof == null || s.leafIndex == null)
    throw new OrderStateError({
      id,
      state: s.state,
      wanted: "verify inclusion before its batch is committed",
      reason: s.reason,
    });
  const { settlement } = await verifyRelay(client);
  const [root, leafCount, commitBlock] = await client.publicClient.readContract({
    address: settlement,
    abi: veilSettlementAbi,
    functionName: "batches",
    args: [s.chainBatchId],
  });
  const fail = (reason: string) => new ProofMismatchError({ leaf, chainBatchId: s.chainBatchId!, reason });
  if (BigInt(root) === 0n) throw fail("no batch with that id is committed on chain");
  if (s.root && s.root.toLowerCase() !== root.toLowerCase())
    throw fail(`the relay says root ${s.root}, the chain says ${root}`);
  if (s.leafIndex >= leafCount)
    throw fail(`leaf index ${s.leafIndex} is outside the batch (${leafCount} leaves)`);
  if (s.proof.length > Math.ceil(Math.log2(Math.max(leafCount, 1))))
    throw fail(`a proof of ${s.proof.length} nodes is too long for ${leafCount} leaves`);
  if (!verifyMerkleProof(leaf, s.proof, root)) throw fail("the proof does not lead to the on-chain root");
  return {
    chainBatchId: s.chainBatchId,
    root,
    leafIndex: s.leafIndex,
    leafCount: Number(leafCount),
    commitBlock,
  };
}

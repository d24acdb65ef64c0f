import { type Address, encodeFunctionData, type Hex, keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";

/** Priority fee the operator pays builders per gas (its bid; the fee quote charges traders for it too). */
export const PRIORITY_FEE_WEI = 1_000_000_000n;

/** A signed operator transaction ready for a bundle. */
export type SignedOperatorTx = { raw: Hex; hash: Hex; nonce: number };

/**
 * Signs the operator's `commit` and `settle` transactions. The key stays inside this closure: it is never
 * logged, and the signed bytes only ever leave the relay inside private bundles.
 * @example const signer = createOperatorSigner(config.operatorKey, chainId, settlement)
 */
export function createOperatorSigner(operatorKey: Hex, chainId: number, settlement: Address) {
  const account = privateKeyToAccount(operatorKey);
  const sign = async (
    data: Hex,
    nonce: number,
    gas: bigint,
    baseFee: bigint,
    priorityFeeWei = PRIORITY_FEE_WEI,
  ): Promise<SignedOperatorTx> => {
    const raw = await account.signTransaction({
      type: "eip1559",
      chainId,
      to: settlement,
      data,
      nonce,
      gas,
      maxPriorityFeePerGas: priorityFeeWei,
      maxFeePerGas: baseFee * 2n + priorityFeeWei,
    });
    return { raw, hash: keccak256(raw), nonce };
  };
  return {
    address: account.address,
    /** `commit(root, leafCount)`. */
    commit: (root: Hex, leafCount: number, nonce: number, baseFee: bigint) =>
      sign(
        encodeFunctionData({
          abi: veilSettlementAbi,
          functionName: "commit",
          args: [root, leafCount],
        }),
        nonce,
        200_000n,
        baseFee,
      ),
    /** A prepared `settle(...)` call; `priorityFeeWei` is its bid (default the standing one; settleBid.ts). */
    settle: (data: Hex, gas: bigint, nonce: number, baseFee: bigint, priorityFeeWei?: bigint) =>
      sign(data, nonce, gas, baseFee, priorityFeeWei),
  };
}

export type OperatorSigner = ReturnType<typeof createOperatorSigner>;

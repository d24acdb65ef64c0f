import { encodeFunctionData, erc20Abi, type Hex, maxUint256 } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { requireTrader } from "./requireTrader.js";
import { resolveToken } from "./resolveToken.js";
import { sendTransaction } from "./sendTransaction.js";
import { verifyRelay } from "./verifyRelay.js";

export type EnsureAllowanceParameters = {
  /** Symbol or address. */
  token: string;
  /** The allowance needed, in base units (default: unlimited, so an approval is sent unless one is already unlimited). */
  amount?: bigint;
  /** What to approve when an approval is needed (default: unlimited). */
  approveAmount?: bigint;
  timeoutMs?: number;
};
export type EnsureAllowanceReturnType = { token: `0x${string}`; allowance: bigint; txHash: Hex | null };

/**
 * Makes sure the verified settlement contract may pull `amount` of `token` from the trader, sending an
 * `approve` only when the current allowance is short. Settlement pulls tokens only inside `settle`, for
 * orders the trader signed.
 * @example await ensureAllowance(client, { token: "WETH", amount: order.sellAmount })
 */
export async function ensureAllowance(
  client: VeilClientBase,
  { token, amount = maxUint256, approveAmount = maxUint256, timeoutMs }: EnsureAllowanceParameters,
): Promise<EnsureAllowanceReturnType> {
  const trader = await requireTrader(client, "ensureAllowance");
  const { settlement } = await verifyRelay(client);
  const { address } = await resolveToken(client, { token });
  const allowance = await client.publicClient.readContract({
    address,
    abi: erc20Abi,
    functionName: "allowance",
    args: [trader, settlement],
  });
  if (allowance >= amount) return { token: address, allowance, txHash: null };
  const data = encodeFunctionData({
    abi: erc20Abi,
    functionName: "approve",
    args: [settlement, approveAmount],
  });
  const receipt = await sendTransaction(client, { to: address, data, timeoutMs, action: "approve" });
  return { token: address, allowance: approveAmount, txHash: receipt.transactionHash };
}

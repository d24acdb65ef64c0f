import type { Address, Hex, TransactionReceipt } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { BaseError } from "../errors/baseError.js";
import { TimeoutError } from "../errors/transportErrors.js";
import { requireSigner } from "./requireTrader.js";

/** Default time to wait for a trader transaction (approve, invalidateNonces) to be mined. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 60_000;

export type SendTransactionParameters = { to: Address; data: Hex; timeoutMs?: number; action: string };

/**
 * Sends a trader transaction through the client's signer and waits for a successful receipt.
 * @throws TimeoutError | BaseError (`TX_REVERTED`)
 * @example const receipt = await sendTransaction(client, { to, data, action: "approve" })
 */
export async function sendTransaction(
  client: VeilClientBase,
  { to, data, timeoutMs = DEFAULT_RECEIPT_TIMEOUT_MS, action }: SendTransactionParameters,
): Promise<TransactionReceipt> {
  const hash = await requireSigner(client, action).sendTransaction({ to, data });
  let receipt: TransactionReceipt;
  try {
    receipt = await client.publicClient.waitForTransactionReceipt({
      hash,
      pollingInterval: client.pollingIntervalMs,
      timeout: timeoutMs,
    });
  } catch (cause) {
    if ((cause as Error).name === "WaitForTransactionReceiptTimeoutError")
      throw new TimeoutError({ what: `${action} transaction ${hash}`, timeoutMs });
    throw cause;
  }
  if (receipt.status !== "success")
    throw new BaseError(`${action} transaction ${hash} reverted`, "TX_REVERTED", {
      metaMessages: [`Block: ${receipt.blockNumber}`],
    });
  return receipt;
}

/**
 * Signing helpers for the wallet-endpoint suites: raw EIP-1559 txs signed locally with viem (what any wallet
 * sends to eth_sendRawTransaction) and the X-Flashbots-Signature header of a request body.
 */
import {
  type Address,
  createPublicClient,
  type Hex,
  http,
  keccak256,
  type PrivateKeyAccount,
  toBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import type { Devnet } from "../helpers/devnet.js";

export function accountOf(devnet: Devnet, label: string): PrivateKeyAccount {
  return privateKeyToAccount(devnetAccount(devnet, label).privateKey);
}

export function nodeClient(devnet: Devnet) {
  return createPublicClient({ transport: http(devnet.rpcUrl) });
}

/** Base fee the next block will have (close enough: the latest block's). */
export async function baseFee(devnet: Devnet): Promise<bigint> {
  const block = await nodeClient(devnet).getBlock();
  return block.baseFeePerGas ?? 0n;
}

export type TxFields = {
  to: Address;
  value?: bigint;
  data?: Hex;
  nonce: number;
  gas?: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas?: bigint;
  chainId?: number;
};

/** Signs an EIP-1559 tx. */
export function signTx(devnet: Devnet, account: PrivateKeyAccount, f: TxFields): Promise<Hex> {
  return account.signTransaction({
    type: "eip1559",
    chainId: f.chainId ?? devnet.chainId,
    to: f.to,
    value: f.value ?? 0n,
    data: f.data,
    nonce: f.nonce,
    gas: f.gas ?? 21_000n,
    maxFeePerGas: f.maxFeePerGas,
    maxPriorityFeePerGas: f.maxPriorityFeePerGas ?? 1_000_000_000n,
  });
}

/** Body + X-Flashbots-Signature header signed by `account`, as Flashbots clients send them. */
export async function flashbotsSigned(account: PrivateKeyAccount, payload: unknown) {
  const body = JSON.stringify(payload);
  const signature = await account.signMessage({ message: keccak256(toBytes(body)) });
  return { body, headers: { "x-flashbots-signature": `${account.address}:${signature}` } };
}

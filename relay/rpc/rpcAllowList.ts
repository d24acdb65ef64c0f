/**
 * What the wallet endpoint forwards to the node: an explicit allow-list of the reads wallets and dapps need.
 * Everything else is answered by Veil itself (the private send methods, the reads that must see privately
 * pending txs, a capped eth_getLogs) or refused with -32601: above all the node's dev and debug namespaces
 * (`anvil_setBalance`, `evm_mine`, `txpool_content`, ...), which would let anyone rewrite the devnet or read the
 * node's pool, and any send method the relay does not route privately.
 */
import { MethodNotFoundError } from "./rpcErrors.js";

/** Read methods proxied to the node unchanged (byte for byte for a single request). */
export const PROXIED_READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "net_listening",
  "web3_clientVersion",
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_createAccessList",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getProof",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getBlockTransactionCountByNumber",
  "eth_getBlockTransactionCountByHash",
  "eth_getTransactionByBlockHashAndIndex",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_getTransactionReceipt",
  "eth_getBlockReceipts",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_blobBaseFee",
  "eth_syncing",
]);

/** Namespaces refused by name, so the error says why (dev chains, debugging, the node's pool, keys). */
const REFUSED_NAMESPACES = [
  "anvil_",
  "evm_",
  "hardhat_",
  "debug_",
  "txpool_",
  "admin_",
  "personal_",
  "miner_",
];

/**
 * The -32601 error for a method that is neither on the allow-list nor answered by Veil itself.
 * @example throw methodRefused("anvil_setBalance")
 */
export function methodRefused(method: string): MethodNotFoundError {
  const namespace = REFUSED_NAMESPACES.find((ns) => method.startsWith(ns));
  const why = namespace
    ? `the ${namespace} namespace is never served here`
    : "it is not on this endpoint's allow-list of wallet reads and private sends";
  return new MethodNotFoundError(method, why);
}

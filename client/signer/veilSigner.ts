import type { Account, Address, Chain, Hex, TypedDataDefinition, WalletClient } from "viem";

/**
 * What the client needs from whoever holds the trader's key: an address, EIP-712 signatures, and sending a
 * plain transaction (approve, invalidateNonces). viem accounts, viem wallet clients and ethers v6 signers are
 * all adapted to this one shape, so no action cares which library the trader uses.
 */
export type VeilSigner = {
  /** The trader address (resolved once). */
  getAddress(): Promise<Address>;
  signTypedData(typedData: TypedDataDefinition): Promise<Hex>;
  /** Sends a transaction and returns its hash (the caller waits for the receipt). */
  sendTransaction(tx: { to: Address; data: Hex }): Promise<Hex>;
};

/** Adapts a viem wallet client (with `account`, or a JSON-RPC / local account passed alongside). */
export function viemSigner(walletClient: WalletClient, account?: Account | Address): VeilSigner {
  const acct = account ?? walletClient.account;
  if (!acct) throw new TypeError("walletClient has no account: pass `account` too");
  const address = typeof acct === "string" ? acct : acct.address;
  const chain: Chain | null = walletClient.chain ?? null;
  return {
    getAddress: async () => address,
    signTypedData: (typedData) => walletClient.signTypedData({ account: acct, ...typedData } as never),
    sendTransaction: ({ to, data }) =>
      walletClient.sendTransaction({ account: acct, chain, to, data } as never),
  };
}

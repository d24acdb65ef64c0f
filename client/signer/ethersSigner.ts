import { type Address, getAddress, type Hex } from "viem";
import type { VeilSigner } from "./veilSigner.js";

/**
 * The part of an ethers v6 `Signer` the client uses. Typed structurally so the library does not import
 * ethers: traders who use viem never load it.
 */
export type EthersSignerLike = {
  getAddress(): Promise<string>;
  signTypedData(
    domain: Record<string, unknown>,
    types: Record<string, readonly { name: string; type: string }[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
  sendTransaction(tx: { to: string; data: string }): Promise<{ hash: string }>;
  /**
   * The signer's ethers provider. When it is a JSON-RPC provider (has `send`), it also serves the client's chain
   * reads if neither `publicClient` nor `rpcUrl` is given.
   */
  provider?: unknown;
};

/** Adapts an ethers v6 signer (e.g. `new Wallet(key, provider)`) to a {@link VeilSigner}. */
export function ethersSigner(signer: EthersSignerLike): VeilSigner {
  let address: Promise<Address> | undefined;
  return {
    getAddress: () => {
      address ??= signer.getAddress().then((a) => getAddress(a));
      return address;
    },
    async signTypedData({ domain, types, message }) {
      // ethers derives EIP712Domain from `domain` itself and rejects it inside `types`.
      const { EIP712Domain: _, ...rest } = types as Record<string, readonly { name: string; type: string }[]>;
      return (await signer.signTypedData(
        domain as Record<string, unknown>,
        rest,
        message as Record<string, unknown>,
      )) as Hex;
    },
    async sendTransaction({ to, data }) {
      return (await signer.sendTransaction({ to, data })).hash as Hex;
    },
  };
}

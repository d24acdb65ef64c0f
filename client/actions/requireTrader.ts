import type { Address } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { AccountRequiredError } from "../errors/inputErrors.js";
import type { VeilSigner } from "../signer/veilSigner.js";

/** The client's signer, or a typed error naming the action that needed it. */
export function requireSigner(client: VeilClientBase, action: string): VeilSigner {
  if (!client.signer) throw new AccountRequiredError({ action });
  return client.signer;
}

/** The trader address of the client's signer. */
export function requireTrader(client: VeilClientBase, action: string): Promise<Address> {
  return requireSigner(client, action).getAddress();
}

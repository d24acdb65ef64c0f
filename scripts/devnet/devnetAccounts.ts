import { type Address, type Hex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** Anvil's default mnemonic: the devnet accounts are its first ten keys. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** Labels by account index, pinned in the team brief: other parts look accounts up by label. */
export const DEVNET_ACCOUNT_LABELS = [
  "deployer",
  "operator",
  "relay-auth",
  "trader1",
  "trader2",
  "trader3",
  "trader4",
  "searcher",
  "lp",
  "wallet",
] as const;

export type DevnetAccountLabel = (typeof DEVNET_ACCOUNT_LABELS)[number];

/** A funded devnet key. Dev keys only: these are public test keys, never used on a real network. */
export type DevnetAccount = { address: Address; privateKey: Hex; label: DevnetAccountLabel };

/**
 * The ten labelled devnet accounts (anvil default mnemonic, indices 0..9).
 * @returns accounts in index order
 * @example const lp = devnetAccounts().find((a) => a.label === "lp")!;
 */
export function devnetAccounts(): DevnetAccount[] {
  return DEVNET_ACCOUNT_LABELS.map((label, addressIndex) => {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex });
    const privateKey = toHex(account.getHdKey().privateKey!);
    return { address: account.address, privateKey, label };
  });
}

import { type Address, type Hex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** Anvil's default mnemonic: the devnet accounts are its first ten keys. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * Labels by account index. Fixed: scripts, tests and the README's devnet.json look accounts up by label
 * (`devnetAccount`), so a new account goes at the end.
 */
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
 * @example const lp = devnetAccount(devnetAccounts(), "lp");
 */
export function devnetAccounts(): DevnetAccount[] {
  return DEVNET_ACCOUNT_LABELS.map((label, addressIndex) => {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex });
    const privateKey = toHex(account.getHdKey().privateKey!);
    return { address: account.address, privateKey, label };
  });
}

/**
 * The devnet account labelled `label`, from a devnet (or its accounts list): one lookup instead of a
 * `find` with a non-null assertion in every script and test.
 * @throws Error naming the labels there are, when none has this label (a typo fails here, not later as
 *   an undefined key).
 * @example const trader = devnetAccount(devnet, "trader1"); privateKeyToAccount(trader.privateKey)
 */
export function devnetAccount<T extends { label: string }>(
  devnet: { readonly accounts: readonly T[] } | readonly T[],
  label: string,
): T {
  const accounts: readonly T[] = "accounts" in devnet ? devnet.accounts : devnet;
  const account = accounts.find((a) => a.label === label);
  if (!account)
    throw new Error(
      `no devnet account labelled "${label}": the labels are ${accounts.map((a) => a.label).join(", ")}`,
    );
  return account;
}

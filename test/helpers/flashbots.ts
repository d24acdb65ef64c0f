import { FlashbotsBundleProvider, type FlashbotsBundleTransaction } from "@flashbots/ethers-provider-bundle";
import { JsonRpcProvider, Wallet } from "ethers";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import type { Devnet } from "../../scripts/devnet/startDevnet.js";

type EthersCjsProvider = Parameters<typeof FlashbotsBundleProvider.create>[0];
type EthersCjsSigner = FlashbotsBundleTransaction["signer"];

/** Poll fast: `.wait()` of the Flashbots client watches new blocks through the provider's polling. */
const POLLING_INTERVAL_MS = 50;

/**
 * An ethers provider on the builder URL and a FlashbotsBundleProvider signing with the devnet's
 * "relay-auth" key (or `authKey`), exactly as a searcher or the relay would use them.
 *
 * @example const { flashbots, wallet } = await flashbotsClient(devnet);
 */
export async function flashbotsClient(devnet: Devnet, authKey?: string) {
  const provider = new JsonRpcProvider(devnet.builderUrl, devnet.chainId, {
    staticNetwork: true,
    pollingInterval: POLLING_INTERVAL_MS,
  });
  provider.pollingInterval = POLLING_INTERVAL_MS;
  const auth = new Wallet(authKey ?? devnetAccount(devnet, "relay-auth").privateKey);
  // The bundle provider is CommonJS and types against ethers' CJS build; the objects are the same at runtime.
  const flashbots = await FlashbotsBundleProvider.create(
    provider as unknown as EthersCjsProvider,
    auth as unknown as EthersCjsSigner,
    devnet.builderUrl,
    devnet.chainId,
  );
  const wallet = (label: string) =>
    new Wallet(devnetAccount(devnet, label).privateKey, provider) as unknown as EthersCjsSigner;
  return { provider, flashbots, wallet, auth };
}

/**
 * Resolves `pending` (e.g. Flashbots `.wait()` promises) while building a block every `intervalMs` on a
 * devnet started with `slotMs: null`: the test decides when blocks happen, so a bundle sent for the next
 * block can never miss it because a slot timer fired meanwhile. The interval stays well above the provider's
 * polling: `.wait()` checks the account nonce on each block before the target, and if the next block (the
 * target, with the bundle) is already built when that read runs, it wrongly resolves AccountNonceTooHigh.
 *
 * @example const [res] = await withBlocks(devnet, [bundle.wait()]);
 */
export async function withBlocks<T extends readonly unknown[]>(
  devnet: Devnet,
  pending: [...{ [K in keyof T]: Promise<T[K]> }],
  intervalMs = 250,
): Promise<T> {
  let settled = false;
  const all = Promise.all(pending).finally(() => {
    settled = true;
  });
  while (!settled) {
    await new Promise((r) => setTimeout(r, intervalMs));
    if (!settled) await devnet.buildBlock();
  }
  return (await all) as unknown as T;
}

import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  getAddress,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { VerifiedRelayInfo } from "./actions/verifyRelay.js";
import { type VeilActions, veilActions } from "./decorators/veilActions.js";
import { type EthersSignerLike, ethersSigner } from "./signer/ethersSigner.js";
import { type VeilSigner, viemSigner } from "./signer/veilSigner.js";

/** Default interval between status polls when the relay's event stream is not available. */
export const DEFAULT_POLLING_INTERVAL_MS = 500;

export type CreateVeilClientParameters = {
  /** Base URL of the Veil relay, e.g. `http://127.0.0.1:8545`. */
  relayUrl: string;
  /** A viem account (e.g. `privateKeyToAccount(key)`), or an address held by `walletClient`. */
  account?: Account | Address;
  /** A viem wallet client that signs (and sends approve / invalidateNonces). */
  walletClient?: WalletClient;
  /** An ethers v6 Signer (e.g. `new Wallet(key, provider)`), instead of a viem account. */
  ethersSigner?: EthersSignerLike;
  /** Reads the chain; the client checks everything the relay says against it. */
  publicClient?: PublicClient;
  /** The chain; its first RPC URL is used when neither `publicClient` nor `rpcUrl` is given. */
  chain?: Chain;
  /** JSON-RPC URL of a node you trust (not the relay's), used when `publicClient` is not given. */
  rpcUrl?: string;
  /** The settlement contract you expect; the relay's must equal it (recommended in production). */
  settlement?: Address;
  /** Symbol -> address map you trust (takes precedence over the relay's `tokens` hint). */
  tokens?: Record<string, Address>;
  /** Status polling interval when SSE is unavailable (ms). */
  pollingIntervalMs?: number;
};

/** The client without its bound actions: what every action takes as its first argument. */
export type VeilClientBase = {
  relayUrl: string;
  publicClient: PublicClient;
  signer: VeilSigner | undefined;
  chain: Chain | undefined;
  settlement: Address | undefined;
  tokens: Record<string, Address> | undefined;
  pollingIntervalMs: number;
  /** Per-client memo of the verified relay info (the checks run once, then on `refresh`). */
  cache: { verifiedInfo?: Promise<VerifiedRelayInfo> };
};

export type VeilClient = VeilClientBase & VeilActions;

/**
 * Creates a Veil trader client: one relay, one chain connection, one signer. Actions are available both as
 * methods (`client.submitSealed(...)`) and as functions taking the client (`submitSealed(client, ...)`).
 * Nothing the relay says is trusted before it is checked against the chain.
 *
 * @param parameters relay URL, a signer (`account`, `walletClient` or `ethersSigner`) and a chain connection
 *   (`publicClient`, `rpcUrl`, or `chain`).
 * @returns a {@link VeilClient}.
 * @example
 * const veil = createVeilClient({ relayUrl: "http://127.0.0.1:8645", rpcUrl: "http://127.0.0.1:8545",
 *   account: privateKeyToAccount(key) })
 * const order = await veil.buildOrder({ sellToken: "WETH", buyToken: "USDC", sellAmount: "1", minBuyAmount: "2000" })
 * const { id } = await veil.submitSealed({ order })
 */
export function createVeilClient(parameters: CreateVeilClientParameters): VeilClient {
  const {
    relayUrl,
    account,
    walletClient,
    chain,
    pollingIntervalMs = DEFAULT_POLLING_INTERVAL_MS,
  } = parameters;
  if (!/^https?:\/\//.test(relayUrl))
    throw new TypeError(`relayUrl must be an http(s) URL, got "${relayUrl}"`);
  const publicClient = parameters.publicClient ?? makePublicClient(parameters, pollingIntervalMs);

  let signer: VeilSigner | undefined;
  if (parameters.ethersSigner) signer = ethersSigner(parameters.ethersSigner);
  else if (walletClient) signer = viemSigner(walletClient, account);
  else if (account) {
    if (typeof account === "string")
      throw new TypeError("an address `account` needs a `walletClient` that holds it");
    const transport: Transport = custom({ request: (args) => publicClient.request(args as never) });
    signer = viemSigner(
      createWalletClient({ account, chain: chain ?? publicClient.chain, transport }),
      account,
    );
  }

  const base: VeilClientBase = {
    relayUrl: relayUrl.replace(/\/+$/, ""),
    publicClient,
    signer,
    chain: chain ?? publicClient.chain,
    settlement: parameters.settlement ? getAddress(parameters.settlement) : undefined,
    tokens: parameters.tokens,
    pollingIntervalMs,
    cache: {},
  };
  return Object.assign(base, veilActions(base));
}

function makePublicClient(p: CreateVeilClientParameters, pollingInterval: number): PublicClient {
  const url = p.rpcUrl ?? p.chain?.rpcUrls.default.http[0];
  if (url) return createPublicClient({ chain: p.chain, transport: http(url), pollingInterval });
  const provider = p.ethersSigner?.provider as { send?: unknown } | null | undefined;
  const send = provider?.send;
  if (typeof send === "function")
    return createPublicClient({
      chain: p.chain,
      transport: custom({
        request: ({ method, params }) => send.call(provider, method, (params as unknown[]) ?? []),
      }),
      pollingInterval,
    });
  if (p.walletClient)
    return createPublicClient({
      chain: p.chain ?? p.walletClient.chain,
      transport: custom(p.walletClient),
      pollingInterval,
    });
  throw new TypeError("createVeilClient needs a chain connection: pass publicClient, rpcUrl or chain");
}

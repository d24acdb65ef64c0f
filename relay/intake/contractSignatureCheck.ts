import { type Address, concat, type Hex, keccak256 } from "viem";
import type { ChainReader } from "../chain/chainReader.js";
import { RelayError } from "../errors/relayError.js";
import { RateLimiter } from "../limits/rateLimiter.js";

/** Most EIP-1271 answers remembered (least recently used dropped first): keys are strangers' input. */
export const MAX_CONTRACT_SIGNATURE_ENTRIES = 10_000;
/** How long an EIP-1271 answer is reused: a wallet's answer may depend on its storage, not only its code. */
export const CONTRACT_SIGNATURE_TTL_MS = 5 * 60_000;

type Entry = { ok: boolean; atMs: number };

/**
 * EIP-1271 checks at intake, priced for strangers (THREATS.md cost budget): the wallet call itself is capped
 * at the contract's `EIP1271_GAS_LIMIT` (chainReader), its code is read once per block per trader, the
 * answer is cached per (trader, code hash, digest, signature), and a failed contract check draws from a
 * tight per-client budget (`perMinute`, `burst`): a client that keeps sending signatures a contract refuses
 * is turned away with RATE_LIMITED before the relay asks the node again. An EOA trader (no code) costs one
 * cached read and no budget.
 */
export class ContractSignatureCheck {
  readonly #answers = new Map<string, Entry>();
  readonly #codes = new Map<Address, Promise<Hex | undefined>>();
  #codesBlock = -1n;
  readonly #failures: RateLimiter;

  constructor(
    private readonly chain: ChainReader,
    private readonly head: () => bigint,
    budget: { perMinute: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {
    this.#failures = new RateLimiter(budget, now);
  }

  /** Whether `client` may still cost the relay a contract-signature check now. */
  hasBudget(client: string | undefined): boolean {
    return client === undefined || this.#failures.waitMs(client) === 0;
  }

  /**
   * True when `account` is a contract wallet that accepts `signature` for `digest` under the contract's
   * rules. Throws RATE_LIMITED when `client` used up its budget of failed checks (before any node call).
   */
  async isValid(account: Address, digest: Hex, signature: Hex, client?: string): Promise<boolean> {
    if (!this.hasBudget(client))
      throw new RelayError(
        "RATE_LIMITED",
        "too many refused contract-wallet signatures from this client; slow down",
        { details: { retryAfterMs: Math.ceil(this.#failures.waitMs(client as string)) } },
      );
    const code = await this.#codeOf(account);
    if (!code || code === "0x") return false;
    const key = keccak256(concat([account, keccak256(code), digest, keccak256(signature)]));
    const now = this.now();
    const hit = this.#answers.get(key);
    if (hit && now - hit.atMs < CONTRACT_SIGNATURE_TTL_MS) return hit.ok;
    const ok = await this.chain.isValidContractSignature(account, digest, signature, code);
    this.#answers.delete(key);
    this.#answers.set(key, { ok, atMs: now });
    if (this.#answers.size > MAX_CONTRACT_SIGNATURE_ENTRIES)
      this.#answers.delete(this.#answers.keys().next().value as string);
    if (!ok && client !== undefined) this.#failures.take(client);
    return ok;
  }

  #codeOf(account: Address): Promise<Hex | undefined> {
    const block = this.head();
    if (block !== this.#codesBlock) {
      this.#codesBlock = block;
      this.#codes.clear();
    }
    let p = this.#codes.get(account);
    if (!p) {
      if (this.#codes.size >= MAX_CONTRACT_SIGNATURE_ENTRIES) this.#codes.clear();
      p = this.chain.client.getCode({ address: account });
      this.#codes.set(account, p);
      p.catch(() => this.#codes.delete(account));
    }
    return p;
  }
}

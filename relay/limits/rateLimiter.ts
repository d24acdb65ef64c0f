/**
 * The one token-bucket rate limiter of the relay, keyed by a string (client IP, or sender address): used by
 * the REST API's `rateLimit` middleware and the wallet RPC. In memory on purpose: limits protect this
 * process from floods and need not survive a restart. Idle buckets are pruned once they would be full.
 */

/** A rate: `burst` requests at once, refilling at `perMinute` per minute. */
export type RateLimit = { perMinute: number; burst: number };

/**
 * Most keys held at once. The keys are strangers' input (IPs, sender addresses), so the map is bounded even
 * between prunes: past the cap the least recently used key is dropped (it only regains a full bucket).
 */
export const MAX_RATE_LIMIT_KEYS = 100_000;

type Bucket = { tokens: number; updatedMs: number };

/** Bucket limiter; `take(key)` says whether one more request from `key` may pass now. */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  #lastPruneMs = 0;

  readonly #maxKeys: number;

  constructor(limit: RateLimit, now: () => number = Date.now, maxKeys = MAX_RATE_LIMIT_KEYS) {
    if (!(limit.perMinute > 0) || !(limit.burst >= 1))
      throw new RangeError(`rate limit needs perMinute > 0 and burst >= 1, got ${JSON.stringify(limit)}`);
    this.#limit = limit;
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** Keys currently held (bounded by the constructor's `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Consumes `cost` tokens of `key` and returns true, or returns false (nothing consumed) if not enough. */
  take(key: string, cost = 1): boolean {
    const now = this.#now();
    this.#prune(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit.burst, updatedMs: now };
    bucket.tokens = Math.min(
      this.#limit.burst,
      bucket.tokens + ((now - bucket.updatedMs) * this.#limit.perMinute) / 60_000,
    );
    bucket.updatedMs = now;
    this.#buckets.delete(key); // re-insert: Map order is then least recently used first
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Milliseconds until `key` will have `cost` tokens (0 when it has them now); consumes nothing. */
  waitMs(key: string, cost = 1): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return 0;
    const tokens = Math.min(
      this.#limit.burst,
      bucket.tokens + ((this.#now() - bucket.updatedMs) * this.#limit.perMinute) / 60_000,
    );
    return tokens >= cost ? 0 : ((cost - tokens) * 60_000) / this.#limit.perMinute;
  }

  #prune(now: number): void {
    if (now - this.#lastPruneMs < 60_000) return;
    this.#lastPruneMs = now;
    const fullAfterMs = (this.#limit.burst * 60_000) / this.#limit.perMinute;
    for (const [key, b] of this.#buckets) if (now - b.updatedMs > fullAfterMs) this.#buckets.delete(key);
  }
}

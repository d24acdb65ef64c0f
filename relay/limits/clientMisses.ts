import type { Hex } from "viem";

/** Most client keys remembered at once (least recently used dropped first): keys are strangers' input. */
export const MAX_MISS_CLIENTS = 100_000;
/** Most recent commitments remembered per client: enough to see a run of misses, bounded per key. */
export const COMMITMENTS_PER_CLIENT = 32;

/**
 * Missed reveals counted per client (IP, or /64), beside the per-trader count in the store: keys are free,
 * so a spammer who walks through fresh traders still meets a limit at its address. Remembers the last
 * {@link COMMITMENTS_PER_CLIENT} commitment ids per client and asks the store what became of them when the
 * client commits again (a few primary-key reads), so nothing in the settle path has to know about clients.
 * In memory on purpose, like the rate limits: it protects this process and need not survive a restart.
 */
export class ClientMisses {
  readonly #byClient = new Map<string, Hex[]>();

  constructor(private readonly maxClients = MAX_MISS_CLIENTS) {}

  /** Notes that `client` submitted commitment `id`. */
  record(client: string, id: Hex): void {
    const ids = this.#byClient.get(client) ?? [];
    this.#byClient.delete(client); // re-insert: Map order is least recently used first
    ids.push(id);
    if (ids.length > COMMITMENTS_PER_CLIENT) ids.shift();
    this.#byClient.set(client, ids);
    if (this.#byClient.size > this.maxClients)
      this.#byClient.delete(this.#byClient.keys().next().value as string);
  }

  /**
   * How many of `client`'s recent commitments ended missed since `sinceMs`, and when the last one did;
   * `missedAt(id)` answers the time an id ended NOT_REVEALED, or null (a store read: async).
   */
  async misses(
    client: string,
    sinceMs: number,
    missedAt: (id: Hex) => Promise<number | null> | number | null,
  ): Promise<{ count: number; lastAt: number }> {
    let count = 0;
    let lastAt = 0;
    for (const id of this.#byClient.get(client) ?? []) {
      const at = await missedAt(id);
      if (at === null || at < sinceMs) continue;
      count++;
      lastAt = Math.max(lastAt, at);
    }
    return { count, lastAt };
  }

  /** Clients currently remembered. */
  get size(): number {
    return this.#byClient.size;
  }
}

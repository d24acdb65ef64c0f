/**
 * One price vector for the whole batch, built pair by pair. Tokens linked by traded pairs form a component
 * whose prices are fixed up to a common factor; a pair joining two components fixes the factor between
 * them (exact integer scaling, reduced by the gcd), and a pair inside one component must trade at the rate
 * the component already implies. Prices are kept exact because a coincidence-of-wants rate balances both
 * tokens only to the last unit.
 */
const MAX_PRICE = (1n << 256n) - 1n;

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

export class PriceComponents {
  private readonly compOf = new Map<string, Map<string, bigint>>();

  /** The price of `token` and of `other` when both are priced in the same component, else null. */
  rate(token: string, other: string): [bigint, bigint] | null {
    const c = this.compOf.get(token);
    if (!c || c !== this.compOf.get(other)) return null;
    return [c.get(token)!, c.get(other)!];
  }

  /** True when both tokens are already priced relative to each other. */
  linked(a: string, b: string): boolean {
    const c = this.compOf.get(a);
    return c !== undefined && c === this.compOf.get(b);
  }

  /**
   * Fixes `price[a] / price[b] = pA / pB`, merging their components. Returns false (and changes nothing)
   * when a resulting price would not fit the contract's uint256.
   */
  link(a: string, b: string, pA: bigint, pB: bigint): boolean {
    const ca = this.compOf.get(a) ?? new Map([[a, 1n]]);
    const cb = this.compOf.get(b) ?? new Map([[b, 1n]]);
    // scale ca by fa and cb by fb so that ca[a]*fa / (cb[b]*fb) = pA / pB
    let fa = pA * cb.get(b)!;
    let fb = pB * ca.get(a)!;
    const g = gcd(fa, fb);
    fa /= g;
    fb /= g;
    const merged = new Map<string, bigint>();
    for (const [t, p] of ca) merged.set(t, p * fa);
    for (const [t, p] of cb) merged.set(t, p * fb);
    let all = 0n;
    for (const p of merged.values()) all = gcd(p, all);
    for (const [t, p] of merged) {
      const reduced = p / all;
      if (reduced > MAX_PRICE) return false;
      merged.set(t, reduced);
    }
    for (const t of merged.keys()) this.compOf.set(t, merged);
    return true;
  }

  /** Every priced token with its price. */
  entries(): [string, bigint][] {
    const out: [string, bigint][] = [];
    for (const [t, c] of this.compOf) out.push([t, c.get(t)!]);
    return out;
  }
}

import { BlockList, isIP } from "node:net";

/**
 * Turns a connection into the key a rate limit counts against. Why not the raw remote address:
 * - behind a reverse proxy every client arrives from the proxy's address and would share one bucket, so
 *   `X-Forwarded-For` is honoured, but only when the connection comes from a `--trusted-proxy` (anyone else
 *   could write any address there); the client is the right-most address the trusted proxies did not add;
 * - an IPv6 client usually holds a whole /64 and could take a fresh bucket per address, so IPv6 clients
 *   count per /64; IPv4-mapped IPv6 addresses count as the IPv4 address.
 */
export type ClientKeyOf = (remote: string | undefined, forwardedFor: string | undefined) => string;

/**
 * Parses `--trusted-proxy` CIDRs (`10.0.0.0/8`, `fd00::/8`, or a bare address).
 * @throws RangeError naming the entry that is not a CIDR
 */
export function trustedProxyList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address, bits] = entry.split("/", 2);
    const family = isIP(address);
    if (family === 0) throw new RangeError(`trusted proxy "${entry}" is not an IP address or CIDR`);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max ||
      (bits !== undefined && !/^\d+$/.test(bits))
    )
      throw new RangeError(`trusted proxy "${entry}": prefix must be 0-${max}`);
    list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return list;
}

/**
 * @param trusted proxies whose `X-Forwarded-For` is believed (empty: the header is ignored)
 * @example const keyOf = createClientKey(trustedProxyList(["10.0.0.0/8"])); keyOf("10.0.0.5", "203.0.113.9")
 */
export function createClientKey(trusted: BlockList | null): ClientKeyOf {
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return trusted !== null && family !== 0 && trusted.check(address, family === 4 ? "ipv4" : "ipv6");
  };
  return (remote, forwardedFor) => {
    let client = normalize(remote ?? "");
    if (client && forwardedFor && isTrusted(client)) {
      // Walk from the right: each hop was appended by the proxy before it; stop at the first we do not trust.
      const hops = forwardedFor.split(",").map((h) => normalize(h.trim()));
      for (let i = hops.length - 1; i >= 0; i--) {
        if (isIP(hops[i]) === 0) break; // garbage in the header: keep the last address we could check
        client = hops[i];
        if (!isTrusted(client)) break;
      }
    }
    if (!client) return "unknown";
    return isIP(client) === 6 ? `${ipv6Prefix64(client)}::/64` : client;
  };
}

/** Strips an IPv4-mapped IPv6 prefix and brackets/zone ids; returns "" for anything that is not an IP. */
function normalize(address: string): string {
  let a = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  return isIP(a) === 0 ? "" : a.toLowerCase();
}

/** The first four hextets of an IPv6 address, fully expanded (`2001:db8:0:1`). */
function ipv6Prefix64(address: string): string {
  const [head, tail] = address.includes("::") ? address.split("::", 2) : [address, null];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === null
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return groups
    .slice(0, 4)
    .map((g) => (g.includes(".") ? "0" : Number.parseInt(g || "0", 16).toString(16)))
    .join(":");
}

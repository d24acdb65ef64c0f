import { describe, expect, it } from "vitest";
import { createClientKey, trustedProxyList } from "./clientKey.js";

describe("createClientKey", () => {
  const direct = createClientKey(null);
  const behindProxy = createClientKey(trustedProxyList(["10.0.0.0/8", "fd00::/8"]));

  it("should key IPv4 clients by address and ignore X-Forwarded-For without a trusted proxy", () => {
    expect(direct("203.0.113.7", undefined)).toBe("203.0.113.7");
    expect(direct("203.0.113.7", "198.51.100.1")).toBe("203.0.113.7");
    expect(direct("::ffff:203.0.113.7", undefined)).toBe("203.0.113.7");
  });

  it("should key IPv6 clients per /64, so one host cannot take a fresh bucket per address", () => {
    expect(direct("2001:db8:1:2:aaaa::1", undefined)).toBe("2001:db8:1:2::/64");
    expect(direct("2001:db8:1:2:bbbb:cccc:dddd:eeee", undefined)).toBe("2001:db8:1:2::/64");
    expect(direct("2001:db8:1:3::1", undefined)).toBe("2001:db8:1:3::/64");
    expect(direct("2001:db8::1", undefined)).toBe("2001:db8:0:0::/64");
    expect(direct("::1", undefined)).toBe("0:0:0:0::/64");
  });

  it("should take the right-most untrusted hop of X-Forwarded-For from a trusted proxy", () => {
    expect(behindProxy("10.1.2.3", "198.51.100.1")).toBe("198.51.100.1");
    // the client wrote a fake first hop; the proxy appended the real address
    expect(behindProxy("10.1.2.3", "1.1.1.1, 198.51.100.1")).toBe("198.51.100.1");
    // two proxies in a row
    expect(behindProxy("10.1.2.3", "198.51.100.1, 10.9.9.9")).toBe("198.51.100.1");
    expect(behindProxy("fd00::5", "2001:db8:5:6::9")).toBe("2001:db8:5:6::/64");
  });

  it("should not believe X-Forwarded-For from an untrusted peer, nor garbage in it", () => {
    expect(behindProxy("203.0.113.7", "198.51.100.1")).toBe("203.0.113.7");
    expect(behindProxy("10.1.2.3", "not-an-ip")).toBe("10.1.2.3");
    expect(behindProxy("10.1.2.3", "")).toBe("10.1.2.3");
    expect(behindProxy(undefined, "198.51.100.1")).toBe("unknown");
  });

  it("should refuse a trusted proxy entry that is not a CIDR", () => {
    expect(() => trustedProxyList(["10.0.0.0/33"])).toThrow(/prefix must be 0-32/);
    expect(() => trustedProxyList(["proxy.internal"])).toThrow(/not an IP address or CIDR/);
    expect(() => trustedProxyList(["10.0.0.0/x"])).toThrow(/prefix/);
  });
});

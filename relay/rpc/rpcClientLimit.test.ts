import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { createRpcContext, type RpcContext, rpcSettings } from "./rpcContext.js";
import { rpcRoutes } from "./rpcRoutes.js";

// /rpc's per-IP budget counts the client the relay's rule names (--trusted-proxy, as every other endpoint):
// behind a trusted proxy each X-Forwarded-For client has its own budget; from anyone else the header is
// ignored. Requests go through rpcRoutes' app.request with a node request's socket address in the env; the
// method is one /rpc refuses itself (-32601), so no node is needed.

const KEY = `0x${"11".repeat(32)}`;
const contexts: RpcContext[] = [];

function routes(extra: string[]) {
  const config = loadConfig(
    [
      "--rpc-url=http://127.0.0.1:1",
      "--builder-url=http://127.0.0.1:2",
      "--settlement=0x5fbdb2315678afecb367f032d93f642f64180aa3",
      "--rpc-ip-burst=1",
      "--rpc-ip-per-minute=1",
      ...extra,
    ],
    { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY },
  );
  const ctx = createRpcContext({
    ...rpcSettings(config),
    rpcUrl: config.rpcUrl,
    chainId: 31337,
    submitter: {} as never,
    privateTxs: {} as never,
    logger: pino({ level: "silent" }),
  });
  contexts.push(ctx);
  const app = rpcRoutes(ctx);
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_notAMethod", params: [] });
  return async (remoteAddress: string, forwardedFor?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (forwardedFor) headers["x-forwarded-for"] = forwardedFor;
    const env = {
      incoming: { headers: { "content-length": String(body.length) }, socket: { remoteAddress } },
    };
    const res = await app.request("/rpc", { method: "POST", headers, body }, env);
    return { status: res.status, code: ((await res.json()) as { error: { code: number } }).error.code };
  };
}

afterEach(() => {
  for (const ctx of contexts.splice(0)) ctx.node.close();
});

describe("/rpc per-IP budget", () => {
  it("should count each client behind a trusted proxy on its own", async () => {
    const send = routes(["--trusted-proxy=10.0.0.0/8"]);
    expect(await send("10.0.0.5", "203.0.113.1")).toEqual({ status: 200, code: -32601 });
    expect(await send("10.0.0.5", "203.0.113.2")).toEqual({ status: 200, code: -32601 });
    expect(await send("10.0.0.5", "203.0.113.1")).toEqual({ status: 429, code: -32005 });
  });

  it("should ignore X-Forwarded-For from an untrusted peer (no --trusted-proxy)", async () => {
    const send = routes([]);
    expect(await send("198.51.100.7", "203.0.113.1")).toEqual({ status: 200, code: -32601 });
    expect(await send("198.51.100.7", "203.0.113.2")).toEqual({ status: 429, code: -32005 });
    expect(await send("198.51.100.8", "203.0.113.2")).toEqual({ status: 200, code: -32601 });
  });
});

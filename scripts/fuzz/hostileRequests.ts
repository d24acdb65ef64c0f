import type { Prng } from "../scenarios/prng.js";

/** One generated request: method, path and raw body (sent as-is, so it may be invalid JSON or huge). */
export type FuzzRequest = {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: string;
  contentType?: string;
  /** The response is a stream (SSE): read the status, then hang up. */
  stream?: boolean;
  /** Which generator made it, for the report. */
  kind: string;
};

const HEX = "0123456789abcdef";
const hex = (prng: Prng, bytes: number) =>
  `0x${Array.from({ length: bytes * 2 }, () => HEX[prng.int(0, 15)]).join("")}`;

/** A value meant to break a parser or a handler: wrong types, huge numbers, bad hex, deep nesting, proto keys. */
export function hostileValue(prng: Prng, depth = 0): unknown {
  const pick = prng.int(0, 21);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return prng.next() < 0.5;
    case 2:
      return prng.int(-1e9, 1e9);
    case 3:
      return 1e308 * (prng.next() < 0.5 ? 10 : 1); // Infinity serializes as null; 1e308 as itself
    case 4:
      return "9".repeat(prng.int(1, 400)); // a decimal far past uint256
    case 5:
      return `-${prng.int(1, 1e6)}`;
    case 6:
      return hex(prng, prng.pick([0, 1, 19, 20, 21, 31, 32, 33, 64, 65, 66]));
    case 7:
      return `0x${"zz".repeat(prng.int(1, 40))}`;
    case 8:
      return "";
    case 9:
      return "A".repeat(prng.int(1000, 40_000));
    case 10:
      return "\u0000\ud800\uffff";
    case 11:
      return depth > 3 ? [] : Array.from({ length: prng.int(0, 5) }, () => hostileValue(prng, depth + 1));
    case 12:
      return depth > 3 ? {} : { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } };
    case 13:
      return JSON.parse(`{"__proto__": {"isAdmin": true}, "toString": 1}`);
    case 14:
      return nested(prng.int(50, 1_000));
    case 15:
      return "0x";
    case 16:
      return "1e18";
    case 17:
      return " 1";
    case 18:
      return hex(prng, 32).toUpperCase();
    case 19:
      return `0x${"0".repeat(40)}`;
    case 20:
      return 0;
    default:
      return "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  }
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Replaces, drops or adds one field of a well-formed body. */
function mutate(prng: Prng, template: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...template };
  const keys = Object.keys(out);
  const r = prng.int(0, 9);
  if (r < 6 && keys.length > 0) {
    const k = prng.pick(keys);
    const v = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && prng.next() < 0.5
        ? mutate(prng, v as Record<string, unknown>)
        : hostileValue(prng);
  } else if (r < 8 && keys.length > 0) delete out[prng.pick(keys)];
  else out[prng.pick(["extra", "__proto__", "constructor", "id"])] = hostileValue(prng);
  return out;
}

function orderTemplate(prng: Prng) {
  return {
    trader: hex(prng, 20),
    sellToken: hex(prng, 20),
    buyToken: hex(prng, 20),
    sellAmount: String(prng.int(1, 1e9)),
    minBuyAmount: String(prng.int(1, 1e9)),
    nonce: String(prng.int(0, 1e9)),
    validTo: String(Math.floor(Date.now() / 1000) + 600),
    commitBy: String(prng.int(1, 1e6)),
  };
}

/** How a body is broken on the wire: valid JSON of a mutated shape, or bytes that are not JSON at all. */
function encodeBody(prng: Prng, value: unknown): { body: string; contentType?: string } {
  const json = JSON.stringify(value) ?? "null";
  switch (prng.int(0, 11)) {
    case 0:
      return { body: json.slice(0, prng.int(0, Math.max(0, json.length - 1))) }; // truncated
    case 1:
      return { body: `${json}${" ".repeat(40_000)}` }; // over the body limit
    case 2:
      return { body: json, contentType: "text/plain" };
    case 3:
      return { body: "\xff\xfe{" };
    case 4:
      return { body: "" };
    default:
      return { body: json };
  }
}

const RPC_METHODS = [
  "eth_chainId",
  "net_version",
  "web3_clientVersion",
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getTransactionCount",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_syncing",
  "eth_getLogs",
  "eth_sendRawTransaction",
  "eth_sendRawTransactionSync",
  "eth_sendRawTransactionConditional",
  "eth_sendPrivateTransaction",
  "eth_cancelPrivateTransaction",
  "anvil_setBalance",
  "evm_mine",
  "txpool_content",
  "debug_traceTransaction",
  "admin_peers",
  "personal_sign",
  "miner_start",
  "hardhat_reset",
  "eth_sendBundle",
  "__proto__",
  "",
];

function rpcCall(prng: Prng): unknown {
  const base: Record<string, unknown> = {
    jsonrpc: "2.0",
    id: prng.int(0, 1e6),
    method: prng.pick(RPC_METHODS),
    params: Array.from({ length: prng.int(0, 3) }, () =>
      prng.next() < 0.3 ? { from: hex(prng, 20), to: hex(prng, 20), data: hex(prng, 4) } : hostileValue(prng),
    ),
  };
  if (base.method === "eth_getLogs") base.params = [{ fromBlock: "0x0", toBlock: hostileValue(prng) }];
  return prng.next() < 0.2 ? mutate(prng, base) : base;
}

/**
 * The next generated request: every REST endpoint and every /rpc method, bodies built from well-formed
 * templates with one field made hostile, or bytes that are not JSON at all.
 * @example const req = nextRequest(createPrng(1))
 */
export function nextRequest(prng: Prng): FuzzRequest {
  const id = () =>
    prng.next() < 0.7 ? hex(prng, 32) : (JSON.stringify(hostileValue(prng)) ?? "x").slice(0, 200);
  const enc = encodeURIComponent;
  switch (prng.int(0, 13)) {
    case 0: {
      const b = encodeBody(prng, mutate(prng, { ciphertext: hex(prng, prng.int(0, 400)) }));
      return { method: "POST", path: "/v1/orders", ...b, kind: "POST /v1/orders" };
    }
    case 1: {
      const t = { leaf: hex(prng, 32), trader: hex(prng, 20), signature: hex(prng, 65), commitBy: "100" };
      return {
        method: "POST",
        path: "/v1/commitments",
        ...encodeBody(prng, mutate(prng, t)),
        kind: "POST /v1/commitments",
      };
    }
    case 2: {
      const t = { order: orderTemplate(prng), signature: hex(prng, 65), salt: hex(prng, 32) };
      return {
        method: "POST",
        path: "/v1/reveals",
        ...encodeBody(prng, mutate(prng, t)),
        kind: "POST /v1/reveals",
      };
    }
    case 3: {
      const b = encodeBody(prng, mutate(prng, { signature: hex(prng, 65) }));
      return { method: "DELETE", path: `/v1/orders/${enc(id())}`, ...b, kind: "DELETE /v1/orders/:id" };
    }
    case 4:
      return { method: "GET", path: `/v1/orders/${enc(id())}`, kind: "GET /v1/orders/:id" };
    case 5:
      return {
        method: "GET",
        path: `/v1/batches/${enc(prng.pick([String(prng.int(-5, 50)), "1e99", "0x10", id()]))}`,
        kind: "GET /v1/batches/:id",
      };
    case 6:
      return {
        method: "GET",
        path: prng.next() < 0.5 ? `/v1/events?order=${enc(id())}` : "/v1/events",
        stream: true,
        kind: "GET /v1/events",
      };
    case 7:
      return { method: "GET", path: `/tx/${enc(id())}`, kind: "GET /tx/:hash" };
    case 8:
      return {
        method: "GET",
        path: prng.pick(["/healthz", "/metrics", "/v1/info", "/v1/openapi.json"]),
        kind: "GET meta",
      };
    case 9:
      return {
        method: prng.pick(["GET", "POST", "DELETE"] as const),
        path: prng.pick([
          "/v1/nope",
          "/v1/orders/",
          "/../etc/passwd",
          "/v1/orders/%00",
          `/v1/${"a".repeat(5000)}`,
        ]),
        kind: "unknown path",
      };
    case 10: {
      const batch = Array.from({ length: prng.int(0, 12) }, () => rpcCall(prng));
      return { method: "POST", path: "/rpc", ...encodeBody(prng, batch), kind: "POST /rpc batch" };
    }
    default:
      return { method: "POST", path: "/rpc", ...encodeBody(prng, rpcCall(prng)), kind: "POST /rpc" };
  }
}

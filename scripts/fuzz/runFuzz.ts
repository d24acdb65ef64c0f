import { Agent, request } from "node:http";
import { createPrng } from "../scenarios/prng.js";
import { type FuzzRequest, nextRequest } from "./hostileRequests.js";

export type FuzzResult = {
  requests: number;
  /** Count per HTTP status ("timeout" and "error" for requests that never got one). */
  statuses: Record<string, number>;
  fiveXX: number;
  timeouts: number;
  /** Per generator: requests and their status counts. */
  byKind: Record<string, Record<string, number>>;
  /** Up to 20 requests that got a 5xx or no answer, to reproduce them. */
  failures: { kind: string; method: string; path: string; status: string; body?: string }[];
};

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Sends `count` generated requests (seeded) to a relay over keep-alive HTTP, `concurrency` at a time, and
 * counts the answers. A 5xx, a hang or a dropped connection is a failure: every bad input must get a 4xx.
 * @example const result = await runFuzz({ relayUrl, count: 1000, seed: 1 })
 */
export async function runFuzz(o: { relayUrl: string; count: number; seed: number; concurrency?: number }) {
  const prng = createPrng(o.seed);
  const url = new URL(o.relayUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency ?? 8 });
  const result: FuzzResult = { requests: 0, statuses: {}, fiveXX: 0, timeouts: 0, byKind: {}, failures: [] };
  const queue: FuzzRequest[] = Array.from({ length: o.count }, () => nextRequest(prng));
  const worker = async () => {
    for (let req = queue.shift(); req; req = queue.shift()) {
      const status = await send(agent, url, req);
      result.requests++;
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      if (!result.byKind[req.kind]) result.byKind[req.kind] = {};
      const kind = result.byKind[req.kind];
      kind[status] = (kind[status] ?? 0) + 1;
      const failed = status === "timeout" || status === "error" || Number(status) >= 500;
      if (status === "timeout") result.timeouts++;
      if (Number(status) >= 500) result.fiveXX++;
      if (failed && result.failures.length < 20)
        result.failures.push({
          kind: req.kind,
          method: req.method,
          path: req.path.slice(0, 200),
          status,
          ...(req.body !== undefined ? { body: req.body.slice(0, 300) } : {}),
        });
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  } finally {
    agent.destroy();
  }
  return result;
}

function send(agent: Agent, url: URL, req: FuzzRequest): Promise<string> {
  return new Promise((resolve) => {
    // Bytes that are not UTF-8 go out as they are (latin1 keeps each char one byte).
    const body =
      req.body === undefined
        ? undefined
        : Buffer.from(req.body, req.body.startsWith("\xff") ? "latin1" : "utf8");
    const r = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...(body
            ? { "content-type": req.contentType ?? "application/json", "content-length": body.length }
            : {}),
        },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const status = String(res.statusCode ?? "error");
        if (req.stream) {
          res.destroy();
          resolve(status);
          return;
        }
        res.on("data", () => {});
        res.on("end", () => resolve(status));
        res.on("error", () => resolve(status));
      },
    );
    r.on("timeout", () => {
      r.destroy();
      resolve("timeout");
    });
    r.on("error", () => resolve("error"));
    r.end(body);
  });
}

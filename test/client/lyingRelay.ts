import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** JSON rewriters: return the (possibly changed) body the client should see. */
export type Lies = {
  info?: (info: Record<string, unknown>) => Record<string, unknown>;
  order?: (status: Record<string, unknown>) => Record<string, unknown>;
};

/**
 * A real HTTP proxy in front of the real relay that forwards every request unchanged (the SSE stream is piped
 * through) but can rewrite `GET /v1/info` and `GET /v1/orders/:id` answers: a relay that lies. It records
 * every request so a test can assert what the client did NOT send (e.g. no reveal).
 */
export async function startLyingRelay(target: string) {
  const requests: { method: string; path: string }[] = [];
  const lies: Lies = {};
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? "/";
    const method = req.method ?? "GET";
    requests.push({ method, path });
    try {
      const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
      const upstream = await fetch(target + path, {
        method,
        headers: { ...(req.headers["content-type"] ? { "content-type": req.headers["content-type"] } : {}) },
        body,
      });
      const rewrite =
        method === "GET" && path === "/v1/info"
          ? lies.info
          : method === "GET" && /^\/v1\/orders\/0x[0-9a-fA-F]{64}$/.test(path)
            ? lies.order
            : undefined;
      if (rewrite && upstream.ok) {
        const json = rewrite((await upstream.json()) as Record<string, unknown>);
        res.writeHead(upstream.status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
        return;
      }
      res.writeHead(upstream.status, {
        "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
      });
      if (!upstream.body) return void res.end();
      // SSE streams outlive requests: tear both sides down together, whichever closes first.
      const stream = Readable.fromWeb(upstream.body as never);
      stream.on("error", () => res.destroy());
      res.on("close", () => stream.destroy());
      stream.pipe(res);
    } catch (err) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    lies,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

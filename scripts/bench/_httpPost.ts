import http from "node:http";

/**
 * POSTs a JSON body over `agent` (keep-alive) with node:http, not fetch: the benches measure the server, so
 * the client side must add as little as possible. Resolves with the status and the whole body as text.
 * @example const { status, text } = await httpPost(agent, url, JSON.stringify(body))
 */
export function httpPost(
  agent: http.Agent,
  url: string | URL,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

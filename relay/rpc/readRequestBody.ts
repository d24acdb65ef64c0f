/**
 * Reads a request body with a size cap, without hono's bodyLimit middleware: that middleware touches
 * `c.req.raw.body`, which makes @hono/node-server build a web ReadableStream for every request and roughly
 * doubled the proxy's latency on small reads. A declared Content-Length over the cap is refused before any
 * byte is read; a chunked body is counted as it streams and dropped once over the cap.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/** Returned instead of the bytes when the body is over the cap. */
export const BODY_TOO_LARGE = Symbol("BODY_TOO_LARGE");

/**
 * The body's bytes, or BODY_TOO_LARGE.
 * @example const body = await readRequestBody(c, 1 << 20)
 */
export async function readRequestBody(c: Context, maxBytes: number): Promise<Buffer | typeof BODY_TOO_LARGE> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = incoming ? incoming.headers["content-length"] : c.req.header("content-length");
  if (declared !== undefined && Number(declared) > maxBytes) return BODY_TOO_LARGE;
  if (!incoming || declared !== undefined) {
    const bytes = Buffer.from(await c.req.arrayBuffer());
    return bytes.length > maxBytes ? BODY_TOO_LARGE : bytes;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        incoming.off("data", onData);
        incoming.resume(); // drain and discard the rest
        resolve(BODY_TOO_LARGE);
      } else chunks.push(chunk);
    };
    incoming.on("data", onData);
    incoming.once("end", () => resolve(Buffer.concat(chunks)));
    incoming.once("error", reject);
  });
}

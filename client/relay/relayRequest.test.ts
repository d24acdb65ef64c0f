import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RelayError } from "../errors/relayError.js";
import { RelayResponseError, RelayUnreachableError } from "../errors/transportErrors.js";
import { relayRequest } from "./relayRequest.js";
import { subscribeOrderEvents } from "./subscribeOrderEvents.js";

// A real HTTP server answering the way a relay (or a broken one) might; no fetch mocking.
let server: Server;
let url: string;
const id = `0x${"11".repeat(32)}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/refused") {
      res.writeHead(409, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: "CANCEL_TOO_LATE", message: "batch committed", details: { batch: 3 } },
        }),
      );
    } else if (req.url === "/html500") {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<h1>Bad gateway</h1>");
    } else if (req.url === "/ok") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ n: 7 }));
    } else if (req.url === "/bad-shape") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ n: "seven" }));
    } else if (req.url?.startsWith("/v1/events")) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      // Events split across writes, a comment, a batch event and a malformed one, CRLF line endings.
      res.write(': hello\r\n\r\nevent: batch\r\ndata: {"id":1,"state":"open"}\r\n\r\nevent: ord');
      setTimeout(() => res.write(`er\ndata: {"id":"${id}",\ndata: "state":"committed"}\n\n`), 20);
      setTimeout(() => res.write("event: order\ndata: not json\n\n"), 40);
      setTimeout(() => res.end(`event: order\ndata: {"id":"${id}","state":"filled"}\n\n`), 60);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const schema = z.object({ n: z.number() });

describe("relayRequest", () => {
  it("should parse a 2xx answer with the schema", async () => {
    await expect(relayRequest(url, { path: "/ok", schema })).resolves.toEqual({ n: 7 });
  });

  it("should turn a relay error body into a RelayError with the relay's code and details", async () => {
    const err = await relayRequest(url, { path: "/refused", schema }).catch((e) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect(err).toMatchObject({ code: "CANCEL_TOO_LATE", status: 409, relayDetails: { batch: 3 } });
    expect(err.message).toContain("batch committed");
  });

  it("should give an HTTP_<status> code when the body is not a relay error", async () => {
    const err = await relayRequest(url, { path: "/html500", schema }).catch((e) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect(err.code).toBe("HTTP_502");
  });

  it("should reject a 2xx answer of the wrong shape with RelayResponseError", async () => {
    const err = await relayRequest(url, { path: "/bad-shape", schema }).catch((e) => e);
    expect(err).toBeInstanceOf(RelayResponseError);
    expect(err.code).toBe("RELAY_BAD_RESPONSE");
    expect(err.message).toContain("n:");
  });

  it("should name the URL when the relay is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await relayRequest(`http://127.0.0.1:${port}`, { path: "/v1/info", schema }).catch((e) => e);
    expect(err).toBeInstanceOf(RelayUnreachableError);
    expect(err.code).toBe("RELAY_UNREACHABLE");
    expect(err.message).toContain(`http://127.0.0.1:${port}/v1/info`);
  });
});

describe("subscribeOrderEvents", () => {
  it("should deliver order events across chunk boundaries and skip others and malformed ones", async () => {
    const seen: string[] = [];
    let opened = false;
    await subscribeOrderEvents(
      url,
      id,
      (e) => seen.push(e.state),
      new AbortController().signal,
      () => {
        opened = true;
      },
    );
    expect(opened).toBe(true);
    expect(seen).toEqual(["committed", "filled"]);
  });

  it("should reject when the stream is not available (callers then poll)", async () => {
    await expect(
      subscribeOrderEvents(`${url}/nope`, id, () => {}, new AbortController().signal),
    ).rejects.toThrowError(/HTTP 404/);
  });
});

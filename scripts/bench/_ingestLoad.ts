import http from "node:http";
import { httpPost } from "./_httpPost.js";

/** Result of one load run. */
export type LoadResult = {
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Map<number, number>;
  /** Error code -> count, for non-201 answers and transport errors. */
  errors: Record<string, number>;
  firstId: string | null;
};

/**
 * Closed-loop load generator: `concurrency` workers, each on its own keep-alive connection, POST the
 * prepared bodies to `/v1/orders` one after another; latency is measured per request from write to the end
 * of the response body.
 */
export async function loadGenerator(
  baseUrl: string,
  bodies: string[],
  concurrency: number,
): Promise<LoadResult> {
  const url = new URL("/v1/orders", baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = new Float64Array(bodies.length);
  const statuses = new Map<number, number>();
  const errors: Record<string, number> = {};
  let firstId: string | null = null;
  let next = 0;
  const post = (body: string) => httpPost(agent, url, body);
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const t = performance.now();
      try {
        const { status, text } = await post(bodies[i]);
        latencies[i] = performance.now() - t;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 201 && firstId === null && i === 0) firstId = (JSON.parse(text) as { id: string }).id;
        if (status !== 201) {
          let code = `HTTP_${status}`;
          try {
            code = (JSON.parse(text) as { error: { code: string } }).error.code;
          } catch {}
          errors[code] = (errors[code] ?? 0) + 1;
        }
      } catch (err) {
        latencies[i] = performance.now() - t;
        const code = (err as NodeJS.ErrnoException).code ?? "TRANSPORT";
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { seconds, p50Ms: pct(0.5), p99Ms: pct(0.99), statuses, errors, firstId };
}

/** Result of one open-loop run at a fixed offered rate. */
export type OfferedResult = {
  /** 201s per second, from the first scheduled send to the last answer. */
  achieved: number;
  p50Ms: number;
  p99Ms: number;
  errors: Record<string, number>;
};

/**
 * Open-loop load generator: POSTs `bodies` to `/v1/orders` at `rate` per second on schedule, whether or not
 * earlier requests were answered (as independent traders would), over keep-alive connections opened as
 * needed. Latency is counted from each request's scheduled time, so a generator that falls behind shows as
 * latency rather than hiding it (no coordinated omission).
 */
export async function offeredLoad(baseUrl: string, bodies: string[], rate: number): Promise<OfferedResult> {
  const url = new URL("/v1/orders", baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const latencies = new Float64Array(bodies.length);
  const errors: Record<string, number> = {};
  let ok = 0;
  let lastEnd = 0;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  const send = async (i: number) => {
    const scheduled = start + (i * 1000) / rate;
    try {
      const { status, text } = await httpPost(agent, url, bodies[i]);
      if (status === 201) ok++;
      else {
        let code = `HTTP_${status}`;
        try {
          code = (JSON.parse(text) as { error: { code: string } }).error.code;
        } catch {}
        errors[code] = (errors[code] ?? 0) + 1;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "TRANSPORT";
      errors[code] = (errors[code] ?? 0) + 1;
    }
    lastEnd = performance.now();
    latencies[i] = lastEnd - scheduled;
  };
  let next = 0;
  while (next < bodies.length) {
    const due = Math.min(bodies.length, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (next < due) inFlight.push(send(next++));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { achieved: ok / ((lastEnd - start) / 1000), p50Ms: pct(0.5), p99Ms: pct(0.99), errors };
}

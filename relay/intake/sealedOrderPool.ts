import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Hex } from "viem";
import { createOrderHasher } from "../crypto/createOrderHasher.js";
import type { ErrorCode } from "../errors/errorCodes.js";
import { RelayError } from "../errors/relayError.js";
import { type OpenedOrder, openSealedOrder } from "./openSealedOrder.js";
import type { SealedOrderJob, SealedOrderResult, SealedOrderWorkerData } from "./sealedOrderWorker.js";

export type SealedOrderPoolOptions = SealedOrderWorkerData & {
  /** Worker threads; 0 = open every order inline on the calling thread. */
  workers: number;
};

/**
 * Default worker count: one per core but the main thread's (which keeps HTTP, state and the write), at least
 * 1, at most 8. On 2 cores: one worker (a second one only competes with the main thread, and each worker
 * holds its own copy of the crypto and schema code in memory).
 */
export function defaultIntakeWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

/** Most jobs per message to one worker. */
const CHUNK_JOBS = 8;

type Waiting = { resolve: (o: OpenedOrder) => void; reject: (e: unknown) => void };
type Slot = { worker: Worker; inFlight: Map<number, Waiting>; dead: boolean; ready: Promise<void> };

/**
 * Spreads the CPU work of sealed intake (native ECIES decrypt, JSON + schema parse, EIP-712 digest, native
 * ECDSA recovery: about 0.2 ms an order, most of the relay's per-order CPU) over worker threads, so the
 * main thread keeps only HTTP, state and the durable write. Jobs submitted during one event-loop turn go to
 * the workers as one message each (fewest in flight first); each answer settles its caller's promise. A
 * worker that dies fails its jobs in flight (the clients may retry: nothing was stored) and is replaced.
 * @example const opened = await pool.open(body.ciphertext)
 */
export class SealedOrderPool {
  private readonly slots: Slot[] = [];
  private readonly inline: ((ciphertext: Hex) => OpenedOrder) | null = null;
  private pending: { job: SealedOrderJob; waiting: Waiting }[] = [];
  private scheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: SealedOrderPoolOptions) {
    if (options.workers <= 0) {
      const hashOrder = createOrderHasher(options.chainId, options.settlement);
      const key = new Uint8Array(options.privateKey);
      this.inline = (ciphertext) => openSealedOrder(key, hashOrder, ciphertext);
      return;
    }
    for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  /** Threads in use (0 = inline). */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Opens one sealed order on a worker.
   * @throws RelayError DECRYPT_FAILED / BAD_REQUEST as openSealedOrder does
   */
  open(ciphertext: Hex): Promise<OpenedOrder> {
    if (this.inline) {
      try {
        return Promise.resolve(this.inline(ciphertext));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.closed) return Promise.reject(new Error("the intake worker pool is closed"));
    return new Promise<OpenedOrder>((resolve, reject) => {
      this.pending.push({ job: { id: this.nextId++, ciphertext }, waiting: { resolve, reject } });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.dispatch());
      }
    });
  }

  /**
   * Resolves once every worker has loaded its modules (from TypeScript sources that can take seconds on a
   * busy machine), so the first orders do not wait for it. A worker that dies while loading counts as ready.
   */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** Stops the workers; jobs in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    // Chunks of CHUNK_JOBS, each to the worker with the fewest jobs in flight: a burst spreads over every
    // worker, a few orders of one turn travel (and come back) as one message.
    for (let i = 0; i < batch.length; i += CHUNK_JOBS) {
      const chunk = batch.slice(i, i + CHUNK_JOBS);
      const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      for (const { job, waiting } of chunk) slot.inFlight.set(job.id, waiting);
      slot.worker.postMessage(chunk.map((c) => c.job));
    }
  }

  private spawn(): Slot {
    const data: SealedOrderWorkerData = {
      privateKey: this.options.privateKey,
      chainId: this.options.chainId,
      settlement: this.options.settlement,
    };
    const worker = startWorker(data);
    worker.unref(); // never what keeps the process alive
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const slot: Slot = { worker, inFlight: new Map(), dead: false, ready };
    worker.on("message", (results: SealedOrderResult[] | "ready") => {
      if (results === "ready") {
        markReady();
        return;
      }
      for (const r of results) {
        const waiting = slot.inFlight.get(r.id);
        if (!waiting) continue;
        slot.inFlight.delete(r.id);
        if (r.ok) waiting.resolve(r.opened);
        else if (r.error.relay)
          waiting.reject(
            new RelayError(r.error.code as ErrorCode, r.error.message, { details: r.error.details }),
          );
        else waiting.reject(new Error(r.error.message));
      }
    });
    const fail = (err: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      markReady();
      for (const w of slot.inFlight.values()) w.reject(err);
      slot.inFlight.clear();
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`intake worker exited with code ${code}`));
    });
    return slot;
  }
}

/**
 * Starts the worker script next to this file: the compiled `.js` directly; when the relay runs from
 * TypeScript sources (tsx, vitest), a bundle of the `.ts` worker made once per process with esbuild (tsx's
 * own compiler): a worker does not inherit the parent's module loader, and a bundled worker holds ~20 MB
 * where one loading every module through tsx's loader holds ~95 MB. Without esbuild, tsx's register API.
 */
function startWorker(data: SealedOrderWorkerData): Worker {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const file = new URL(`./sealedOrderWorker${ext}`, import.meta.url);
  if (ext === ".js") return new Worker(file, { workerData: data });
  const require = createRequire(import.meta.url);
  bundledWorker ??= bundleWorker(require, file);
  if (bundledWorker) return new Worker(new URL(bundledWorker), { workerData: data });
  const api = pathToFileURL(join(dirname(require.resolve("tsx/package.json")), "dist/esm/api/index.mjs"));
  const code = `import(${JSON.stringify(api.href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(code, { eval: true, workerData: data });
}

/** The worker bundle as a `data:` URL, "" when esbuild is not installed (then tsx's loader is used). */
let bundledWorker: string | undefined;

function bundleWorker(require: NodeRequire, file: URL): string {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = require("esbuild") as typeof import("esbuild");
  } catch {
    return "";
  }
  const out = esbuild.buildSync({
    entryPoints: [fileURLToPath(file)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    // the native addon stays a real require; module-relative lookups resolve from the source file
    external: ["secp256k1"],
    define: { "import.meta.url": JSON.stringify(file.href) },
    banner: {
      js: `import { createRequire as __veilRequire } from "node:module"; const require = __veilRequire(${JSON.stringify(file.href)});`,
    },
  });
  return `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].contents).toString("base64")}`;
}

/**
 * Entry point of an intake worker thread (see sealedOrderPool.ts): opens, parses, hashes and recovers
 * sealed orders with {@link openSealedOrder}, in batches, and posts the results back in the same order. A
 * RelayError crosses the thread boundary as `{code, message, details}`.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Address, Hex } from "viem";
import { createOrderHasher } from "../crypto/createOrderHasher.js";
import { RelayError } from "../errors/relayError.js";
import { type OpenedOrder, openSealedOrder } from "./openSealedOrder.js";

/** What the pool gives each worker at start. */
export type SealedOrderWorkerData = { privateKey: Uint8Array; chainId: number; settlement: Address };
/** One job: a ciphertext and the id the answer carries back. */
export type SealedOrderJob = { id: number; ciphertext: Hex };
/** One answer. */
export type SealedOrderResult =
  | { id: number; ok: true; opened: OpenedOrder }
  | { id: number; ok: false; error: { relay: boolean; code?: string; message: string; details?: unknown } };

const data = workerData as SealedOrderWorkerData;
const privateKey = new Uint8Array(data.privateKey);
const hashOrder = createOrderHasher(data.chainId, data.settlement);

// loaded: the pool counts the worker as ready
parentPort!.postMessage("ready");

parentPort!.on("message", (jobs: SealedOrderJob[]) => {
  const results: SealedOrderResult[] = jobs.map(({ id, ciphertext }) => {
    try {
      return { id, ok: true, opened: openSealedOrder(privateKey, hashOrder, ciphertext) };
    } catch (err) {
      if (err instanceof RelayError)
        return {
          id,
          ok: false,
          error: { relay: true, code: err.code, message: err.message, details: err.details },
        };
      return { id, ok: false, error: { relay: false, message: (err as Error)?.message ?? String(err) } };
    }
  });
  parentPort!.postMessage(results);
});

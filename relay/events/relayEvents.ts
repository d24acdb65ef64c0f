import { EventEmitter } from "node:events";
import type { Hex } from "viem";

/** An order state change, as streamed by `GET /v1/events` (event `order`). */
export type OrderEvent = {
  id: Hex;
  state: string;
  batchId: number | null;
  reason?: string;
  fill?: { sellAmount: string; buyAmount: string; txHash: Hex; blockNumber: string };
  /**
   * Blocks on top of (and including) the commit or settle this state rests on, when it changed because one
   * landed or was reorged out (0): final once it reaches the relay's `confirmations`.
   */
  confirmations?: number;
};

/** A batch state change (event `batch`), with the public state name. */
export type BatchEvent = { id: number; state: string; confirmations?: number };

/**
 * In-process fan-out of state changes to SSE subscribers. Emitted after the change is committed to the
 * store, so a client never sees a state the relay could forget.
 */
export class RelayEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  order(e: OrderEvent): void {
    this.emitter.emit("order", e);
  }

  batch(e: BatchEvent): void {
    this.emitter.emit("batch", e);
  }

  /** Subscribes to both kinds; returns the unsubscribe function. */
  subscribe(listener: (kind: "order" | "batch", data: OrderEvent | BatchEvent) => void): () => void {
    const onOrder = (e: OrderEvent) => listener("order", e);
    const onBatch = (e: BatchEvent) => listener("batch", e);
    this.emitter.on("order", onOrder);
    this.emitter.on("batch", onBatch);
    return () => {
      this.emitter.off("order", onOrder);
      this.emitter.off("batch", onBatch);
    };
  }
}

import type { Context } from "hono";
import { RelayError } from "../errors/relayError.js";

/** Default of `--intake-max-in-flight`: about a second of intake at this machine's capacity. */
export const INTAKE_MAX_IN_FLIGHT = 1024;

/**
 * Admission control for new orders and commitments: at most `maxInFlight` of them being checked and stored at
 * once, over all clients; one more gets 429 RELAY_BUSY with `retry-after: 1` at once, nothing stored.
 *
 * Why: without a bound, every order admitted waits for the worker pool, the node reads and the durable write
 * behind all the others, and the heap grows with the queue. With one, a relay whose pool, node or disk has
 * fallen behind answers what it admitted within about `maxInFlight / capacity` seconds and tells the rest
 * to come back, which a client, or a load balancer in front of several relays, can act on. It does not shed
 * requests still queued in front of the handler: when the main thread itself is saturated (the ingest bench's
 * open loop at 1,000-2,000 orders/s on 2 loaded cores: p50 3.8-8.6 s, no RELAY_BUSY), the wait is before
 * the body is parsed, where this bound is not yet consulted.
 *
 * What it counts, and why not more: the work after the body has arrived and passed its schema (a client
 * trickling its body holds a socket, not a slot: counted from the first byte, 1,024 slow senders would shut
 * everyone out). Reveals and cancels are not counted: each follows an admitted commitment or order, and
 * refusing a reveal in its window would charge an honest trader a miss. Per-client fairness is the rate
 * limit's job; this bound is the whole relay's. 0 disables it.
 * @example const res = await admission.run(c, () => intake.submitSealed(ciphertext, client))
 */
export class IntakeAdmission {
  private inFlight = 0;

  constructor(private readonly maxInFlight: number) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 0)
      throw new RangeError("IntakeAdmission needs an integer maxInFlight >= 0");
  }

  /**
   * Runs `work` if a slot is free (holding it until `work` settles), else answers RELAY_BUSY.
   * @throws RelayError RELAY_BUSY (with `retry-after: 1` set on `c`)
   */
  async run<T>(c: Context, work: () => Promise<T>): Promise<T> {
    if (this.maxInFlight > 0 && this.inFlight >= this.maxInFlight) {
      c.header("retry-after", "1");
      throw new RelayError(
        "RELAY_BUSY",
        "the relay is taking in all the orders it can right now; retry in a second",
      );
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }
}

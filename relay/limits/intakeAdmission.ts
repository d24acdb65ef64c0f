import type { Context } from "hono";
import { RelayError } from "../errors/relayError.js";

/** Default of `--intake-max-in-flight`: about a second of intake at this machine's capacity. */
export const INTAKE_MAX_IN_FLIGHT = 1024;

/**
 * Admission control for new orders and commitments: at most `maxInFlight` of them being checked and stored at
 * once, over all clients; one more gets 429 RELAY_BUSY with `retry-after: 1` at once, nothing stored.
 *
 * Why: past its capacity the relay used to queue every order it was offered. In the ingest bench an open
 * loop of 1,000-2,000 orders/s on 2 cores got p50 2.6-8.3 s (every order waited behind the queue), and the
 * queued work grew the heap the relay keeps afterwards (RSS 272 MB before the 100k-open-orders phase, 129 MB on
 * a fresh relay). With a bound, what is admitted is answered within about `maxInFlight / capacity` seconds
 * and the rest is told to come back, which a client, or a load balancer in front of several relays, can act on.
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

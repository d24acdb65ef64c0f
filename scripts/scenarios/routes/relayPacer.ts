/**
 * Paces blocks to the relay on its routes: the relay reacts to each new head by simulating and sending a
 * bundle for the next block, which takes it a few hundred ms. Building the next block before it has sent
 * would make every attempt miss its target. So before each block the runner waits until the relay's public
 * Prometheus counter `veil_bundle_attempts_total{outcome="sent"|"error"}` moves (it has acted on this head),
 * or `maxWaitMs` passes (nothing to send now, e.g. during the reveal delay).
 */
export class RelayPacer {
  constructor(
    private readonly relayUrl: string,
    private readonly maxWaitMs: number,
    private readonly pollMs = 15,
  ) {}

  /** Sum of commit/settle bundle attempts the relay has made (sent or failed), or -1 without metrics. */
  async attempts(): Promise<number> {
    try {
      const text = await (await fetch(`${this.relayUrl}/metrics`)).text();
      let sum = 0;
      for (const m of text.matchAll(/^veil_bundle_attempts_total\{([^}]*)\}\s+([0-9.e+]+)$/gm)) {
        if (/outcome="(sent|error)"/.test(m[1])) sum += Number(m[2]);
      }
      return sum;
    } catch {
      return -1;
    }
  }

  /** Polls `done` until it holds or maxWaitMs passes (then the caller goes on regardless). */
  async waitUntil(done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    while (Date.now() < deadline) {
      if (await done()) return;
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}

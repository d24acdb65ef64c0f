/**
 * Per-builder health with exponential back-off. A builder that failed (unreachable, HTTP error, timeout) is
 * skipped for `baseBackoffMs * 2^(failures-1)` (capped), then probed again; one success makes it healthy.
 * Why: with `--builder-url dead,healthy` every simulation used to go to the first builder only, so nothing
 * was ever committed while a healthy builder sat idle; and a builder that hangs must not stall every block.
 */
export type BuilderState = {
  url: string;
  /** Consecutive failures; 0 = healthy. */
  failures: number;
  /** Epoch ms before which the builder is not asked (0 = ask now). */
  retryAtMs: number;
  lastError?: string;
};

/** Public view of one builder's health (no secrets; the URL is operator configuration). */
export type BuilderHealthView = { index: number; healthy: boolean; failures: number; lastError?: string };

export class BuilderHealth {
  private readonly states: BuilderState[];

  constructor(
    urls: readonly string[],
    private readonly baseBackoffMs = 1_000,
    private readonly maxBackoffMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.states = urls.map((url) => ({ url, failures: 0, retryAtMs: 0 }));
  }

  /**
   * Builder indices to try, best first: those not in back-off (healthy before recovering), then, only if
   * none is available, every builder by earliest retry (a request must still go somewhere).
   */
  order(): number[] {
    const t = this.now();
    const all = this.states.map((s, i) => ({ s, i }));
    const ready = all.filter(({ s }) => s.retryAtMs <= t).sort((a, b) => a.s.failures - b.s.failures);
    if (ready.length > 0) return ready.map(({ i }) => i);
    return all.sort((a, b) => a.s.retryAtMs - b.s.retryAtMs).map(({ i }) => i);
  }

  /** True when the builder may be asked now (healthy, or its back-off has run out). */
  available(index: number): boolean {
    return this.states[index].retryAtMs <= this.now();
  }

  /** Records a success: healthy again. Returns true when this was a recovery. */
  succeeded(index: number): boolean {
    const s = this.states[index];
    const recovered = s.failures > 0;
    s.failures = 0;
    s.retryAtMs = 0;
    s.lastError = undefined;
    return recovered;
  }

  /** Records a failure and backs off. Returns true when the builder just turned unhealthy. */
  failed(index: number, error: string): boolean {
    const s = this.states[index];
    s.failures += 1;
    s.lastError = error;
    s.retryAtMs = this.now() + Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (s.failures - 1));
    return s.failures === 1;
  }

  /** Every builder's health, by index (for /healthz and logs). */
  view(): BuilderHealthView[] {
    return this.states.map((s, index) => ({
      index,
      healthy: s.failures === 0,
      failures: s.failures,
      ...(s.lastError ? { lastError: s.lastError } : {}),
    }));
  }

  /** True when at least one builder is healthy. */
  anyHealthy(): boolean {
    return this.states.some((s) => s.failures === 0);
  }
}

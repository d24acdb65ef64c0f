/**
 * Exit codes of the `veil` CLI. Stable: scripts may rely on them.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (with --wait: the order was filled) |
 * | 1 | unexpected internal error (please report) |
 * | 2 | usage: bad or missing flag, unknown token, bad amount, missing key |
 * | 3 | the relay refused the request (its error code is printed / in `error.code`) |
 * | 4 | the relay or the RPC node is unreachable |
 * | 5 | verification failed: wrong chain, wrong settlement, bad proof, settlement not as claimed |
 * | 6 | timed out waiting |
 * | 7 | the order ended without a fill (unfilled, failed, cancelled) |
 */
export const EXIT_CODES = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  RELAY_REFUSED: 3,
  UNREACHABLE: 4,
  VERIFICATION_FAILED: 5,
  TIMEOUT: 6,
  NOT_FILLED: 7,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The table above as help text. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success (with --wait: the order was filled)
  1  unexpected internal error
  2  usage error: bad or missing flag, unknown token, bad amount, missing key
  3  the relay refused the request (its error code is printed)
  4  the relay or the RPC node is unreachable
  5  verification failed (wrong chain/settlement, bad Merkle proof, settlement not as claimed)
  6  timed out waiting
  7  the order ended without a fill (unfilled, failed, cancelled)`;

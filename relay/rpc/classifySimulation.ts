/**
 * Turns a builder simulation (`eth_callBundle` through BundleSubmitter.simulate) of a private tx into a
 * decision: send it, refuse it with a reason, or accept it and wait (fee cap under the base fee). Also names
 * the failure the way Protect's status API does (`simError`, `revertReason`).
 */
import { decodeErrorResult, type Hex, isHex } from "viem";

/** The part of BundleSubmitter.simulate's result this module reads. */
export type SimulationLike = {
  ok: boolean;
  results: { txHash: Hex; gasUsed: number; error?: string; revert?: string }[];
  error?: string;
};

export type SimulationVerdict =
  | { kind: "ok" }
  /** The tx executes but reverts: refused unless the sender opted in with canRevert. */
  | { kind: "revert"; revertReason: string; revertData: string | null }
  /** Valid, but its fee cap is under the next block's base fee: it waits for a lower base fee. */
  | { kind: "feeTooLow"; message: string }
  /** Cannot be executed at all (nonce, funds...). */
  | { kind: "invalid"; simError: string; message: string }
  /** The simulation could not run (builder unreachable): retryable. */
  | { kind: "unavailable"; message: string };

const INVALID_PATTERNS: [RegExp, string][] = [
  [/nonce too low/i, "SimErrorNonceTooLow"],
  [/nonce too high/i, "SimErrorNonceTooHigh"],
  [/insufficient funds|insufficient balance/i, "SimErrorInsufficientFunds"],
  [/intrinsic gas/i, "SimErrorIntrinsicGasTooLow"],
  [/gas limit|exceeds block gas/i, "SimErrorGasLimit"],
];

const FEE_TOO_LOW = /fee ?cap|base ?fee|max ?fee ?per ?gas.*less than/i;

/**
 * Classifies the simulation of a bundle whose last tx is `txHash` (earlier txs are the sender's pending ones).
 * @example classifySimulation(await submitter.simulate([raw], head + 1n), hash)
 */
export function classifySimulation(sim: SimulationLike, txHash: Hex): SimulationVerdict {
  if (sim.ok) return { kind: "ok" };
  const failed = sim.results.find((r) => r.error !== undefined || r.revert !== undefined);
  if (failed) {
    const message = `${failed.error ?? "execution reverted"}${failed.revert ? ` ${failed.revert}` : ""}`;
    if (failed.txHash.toLowerCase() !== txHash.toLowerCase())
      return {
        kind: "invalid",
        simError: "SimErrorEarlierNonceFails",
        message: `${failed.txHash}: ${message}`,
      };
    if (failed.revert !== undefined || /revert/i.test(failed.error ?? ""))
      return {
        kind: "revert",
        revertReason: decodeRevertReason(failed.revert),
        revertData: failed.revert ?? null,
      };
    return verdictFromMessage(failed.error ?? "simulation failed");
  }
  const message = sim.error ?? "simulation failed";
  if (/^eth_callBundle failed/i.test(message) && !/err:|nonce|funds|fee|gas/i.test(message))
    return { kind: "unavailable", message };
  return verdictFromMessage(message);
}

function verdictFromMessage(message: string): SimulationVerdict {
  if (FEE_TOO_LOW.test(message)) return { kind: "feeTooLow", message };
  for (const [re, simError] of INVALID_PATTERNS)
    if (re.test(message)) return { kind: "invalid", simError, message };
  return { kind: "invalid", simError: "SimErrorUnknown", message };
}

const STANDARD_ERRORS = [
  { type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] },
  { type: "error", name: "Panic", inputs: [{ name: "code", type: "uint256" }] },
] as const;

/**
 * A readable revert reason: the string of `Error(string)`, `panic 0x..` for `Panic(uint256)`, the selector of a
 * custom error, or the text as given when the builder already decoded it.
 */
export function decodeRevertReason(revert: string | undefined): string {
  if (revert === undefined || revert === "" || revert === "0x") return "execution reverted (no reason)";
  if (!isHex(revert)) return revert;
  try {
    const decoded = decodeErrorResult({ abi: STANDARD_ERRORS, data: revert });
    if (decoded.errorName === "Error") return String(decoded.args[0]);
    return `panic 0x${(decoded.args[0] as bigint).toString(16)}`;
  } catch {
    return `custom error ${revert.slice(0, 10)}`;
  }
}

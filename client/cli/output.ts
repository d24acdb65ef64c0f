import type { OrderStatus } from "../relay/relaySchemas.js";

/** JSON with bigints as decimal strings, for `--json`. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** How an order state reads in the progress line: the batch's life cycle from the trader's side. */
const STEP_LABEL: Record<string, string> = {
  pending: "open",
  committed: "committed",
  revealed: "revealed",
  filled: "settled (filled)",
  unfilled: "settled (unfilled)",
  failed: "failed",
  cancelled: "cancelled",
};

/**
 * A progress line on stderr: `order 0x1234…: open -> committed -> settled (filled)`. On a terminal it rewrites
 * one line; otherwise each new step is printed on its own line.
 */
export function progressLine(id: string, stream: NodeJS.WriteStream = process.stderr) {
  const steps: string[] = [];
  return {
    update(status: Pick<OrderStatus, "state" | "reason" | "chainBatchId">) {
      const label = STEP_LABEL[status.state] ?? status.state;
      if (steps[steps.length - 1] === label) return;
      steps.push(label);
      const extra =
        status.state === "committed" && status.chainBatchId != null ? ` [batch ${status.chainBatchId}]` : "";
      const text = `order ${id.slice(0, 10)}…: ${steps.join(" -> ")}${extra}${status.reason ? ` (${status.reason})` : ""}`;
      if (stream.isTTY) stream.write(`\r\x1b[K${text}`);
      else stream.write(`${text}\n`);
    },
    done() {
      if (stream.isTTY && steps.length) stream.write("\n");
    },
  };
}

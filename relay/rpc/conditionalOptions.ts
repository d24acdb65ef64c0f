/**
 * eth_sendRawTransactionConditional's options (the ERC-4337 / rollup convention: knownAccounts, block and
 * timestamp bounds) as the private path can honour them. A private bundle is retried block by block until
 * `maxBlockNumber`, so `blockNumberMax` maps onto it and a `blockNumberMin` already reached is met; what a
 * bundle cannot enforce (storage conditions, timestamps, a start block in the future) is refused with a clear
 * error instead of being silently dropped.
 */
import { z } from "zod";
import { InvalidParamsError } from "./rpcErrors.js";

const quantity = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^0x[0-9a-fA-F]{1,16}$/, "hex quantity")
    .transform((s) => Number(BigInt(s))),
]);

export const conditionalOptionsSchema = z
  .object({
    knownAccounts: z.record(z.string(), z.unknown()).optional(),
    blockNumberMin: quantity.optional(),
    blockNumberMax: quantity.optional(),
    timestampMin: quantity.optional(),
    timestampMax: quantity.optional(),
  })
  .strict();

export type ConditionalOptions = z.output<typeof conditionalOptionsSchema>;

/**
 * The maxBlockNumber to send with, given the options and the current head.
 * @throws InvalidParamsError naming the condition the private path cannot enforce
 */
export function conditionalMaxBlock(opts: ConditionalOptions, head: number): number | undefined {
  const refuse = (what: string) =>
    new InvalidParamsError(
      `eth_sendRawTransactionConditional: ${what} cannot be enforced on a private bundle; send without it (eth_sendRawTransaction is private too) or with blockNumberMax only`,
    );
  if (opts.knownAccounts && Object.keys(opts.knownAccounts).length > 0) throw refuse("knownAccounts");
  if (opts.timestampMin !== undefined || opts.timestampMax !== undefined) throw refuse("a timestamp bound");
  if (opts.blockNumberMin !== undefined && opts.blockNumberMin > head + 1)
    throw refuse(`blockNumberMin ${opts.blockNumberMin} (after the next block ${head + 1})`);
  return opts.blockNumberMax;
}

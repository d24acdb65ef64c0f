import { BuilderRpcError } from "./builderErrors.js";

/** The builder's settings an admin call may change while it runs (devnet only, like anvil's own `anvil_*`). */
export type BuilderSettings = {
  /**
   * Lowest bundle gas price (coinbase payment / gas: priority fees plus direct transfers) a bundle must pay
   * to be considered; 0 = no floor. Stands in for a contested mainnet block, where a builder skips a bundle
   * that pays less than the ones it could take instead.
   */
  minBundleGasPriceWei: bigint;
};

/** A decimal or 0x-hex quantity of wei, as a JSON number, decimal string or hex string. */
function parseWei(value: unknown): bigint {
  const ok =
    (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === "string" && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(value));
  if (!ok)
    throw new BuilderRpcError(
      "INVALID_PARAMS",
      "builder_setMinBundleGasPrice: expected [wei] as a non-negative integer, decimal string or 0x-hex",
    );
  return BigInt(value as number | string);
}

/**
 * Admin methods of the local builder, unauthenticated like anvil's: a test raises the bundle gas-price
 * floor at a chosen moment (after the relay's commit landed, say) to make a bundle miss its block and watch
 * the sender bid more. `builder_setMinBundleGasPrice [wei]` returns the previous floor, `builder_minBundleGasPrice`
 * the current one, both as decimal strings of wei.
 * @example await rpcCall(builderUrl, "builder_setMinBundleGasPrice", ["1500000000"]) // 1.5 gwei
 */
export const BUILDER_ADMIN_METHODS: Record<string, (params: unknown, settings: BuilderSettings) => unknown> =
  {
    builder_setMinBundleGasPrice(params, settings) {
      if (!Array.isArray(params) || params.length !== 1)
        throw new BuilderRpcError("INVALID_PARAMS", "builder_setMinBundleGasPrice: expected [wei]");
      const previous = settings.minBundleGasPriceWei;
      settings.minBundleGasPriceWei = parseWei(params[0]);
      return previous.toString();
    },
    builder_minBundleGasPrice: (_params, settings) => settings.minBundleGasPriceWei.toString(),
  };

import { createRequire } from "node:module";
import type * as Secp256k1 from "secp256k1";

/**
 * The npm `secp256k1` package bound to its native libsecp256k1 addon. We load `secp256k1/bindings` directly
 * rather than the package root because the root silently falls back to a pure-JS (elliptic) build when the
 * addon cannot load, which would be correct but 30x slower on the relay's hot path; here a missing addon
 * is reported once (`isNativeSecp256k1 === false`) and the fallback is used only then.
 */
const require = createRequire(import.meta.url);

function load(): { lib: typeof Secp256k1; native: boolean } {
  try {
    return { lib: require("secp256k1/bindings") as typeof Secp256k1, native: true };
  } catch {
    return { lib: require("secp256k1/elliptic") as typeof Secp256k1, native: false };
  }
}

const loaded = load();

/** The secp256k1 API (native addon when available). */
export const secp256k1: typeof Secp256k1 = loaded.lib;

/** Whether the native libsecp256k1 addon is in use (false = pure-JS fallback, much slower). */
export const isNativeSecp256k1: boolean = loaded.native;

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PrivateKey } from "eciesjs";
import { bytesToHex, type Hex } from "viem";
import { VeilError } from "../errors/veilError.js";

/** The relay's ECIES keypair: traders seal orders to `publicKey`, only the relay can open them. */
export type EciesKey = {
  /** 32-byte secp256k1 secret: never logged, never served. */
  privateKey: Uint8Array;
  /** 0x-hex of the 65-byte uncompressed public key, as served by `GET /v1/info` (`eciesPublicKey`). */
  publicKey: Hex;
};

/** Name of the key file inside the relay's data dir. */
export const ECIES_KEY_FILE = "ecies.key";

/** Thrown when a configured or stored ECIES secret is not a valid secp256k1 secret key. */
export class InvalidEciesKeyError extends VeilError<"INVALID_ECIES_KEY"> {
  override name = "InvalidEciesKeyError";
  readonly code = "INVALID_ECIES_KEY";
}

/**
 * Builds the keypair from a secret (0x-hex or bytes). eciesjs's `PrivateKey` validates the range and derives
 * the public key, so the served key is exactly what eciesjs clients expect.
 * @throws {InvalidEciesKeyError} for anything that is not a 32-byte secret in (0, n)
 * @example const key = eciesKeyFromSecret(process.env.VEIL_ECIES_KEY as Hex)
 */
export function eciesKeyFromSecret(secret: Hex | Uint8Array): EciesKey {
  let bytes: Uint8Array;
  if (typeof secret === "string") {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(secret))
      throw new InvalidEciesKeyError("ECIES key must be 32 bytes of hex");
    bytes = Uint8Array.from(Buffer.from(secret.replace(/^0x/, ""), "hex"));
  } else {
    bytes = Uint8Array.from(secret);
  }
  let sk: PrivateKey;
  try {
    sk = new PrivateKey(bytes);
  } catch (cause) {
    throw new InvalidEciesKeyError("ECIES key is not a valid secp256k1 secret key", { cause });
  }
  return { privateKey: bytes, publicKey: bytesToHex(sk.publicKey.toBytes(false)) };
}

/** A fresh random keypair (eciesjs's CSPRNG-backed key generation). */
export function generateEciesKey(): EciesKey {
  return eciesKeyFromSecret(new PrivateKey().secret);
}

/**
 * Loads the relay's keypair from `<dataDir>/ecies.key`, creating it (mode 0600, written atomically) on first
 * start. Keeping the key across restarts matters: clients cache the public key from `/v1/info`, and orders
 * sealed just before a restart must still open afterwards.
 * @example const { privateKey, publicKey } = loadOrCreateEciesKey(config.dataDir)
 */
export function loadOrCreateEciesKey(dataDir: string): EciesKey {
  const path = join(dataDir, ECIES_KEY_FILE);
  if (existsSync(path)) return eciesKeyFromSecret(readFileSync(path, "utf8").trim() as Hex);
  mkdirSync(dataDir, { recursive: true });
  const key = generateEciesKey();
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${bytesToHex(key.privateKey)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return key;
}

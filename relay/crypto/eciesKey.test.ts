import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encrypt } from "eciesjs";
import { hexToBytes } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { decryptSealed } from "./decryptSealed.js";
import {
  ECIES_KEY_FILE,
  eciesKeyFromSecret,
  InvalidEciesKeyError,
  loadOrCreateEciesKey,
} from "./eciesKey.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "veil-ecies-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("eciesKey", () => {
  it("should create a key on first start, keep it private, and load the same key afterwards", () => {
    const dir = join(tempDir(), "nested");
    const first = loadOrCreateEciesKey(dir);
    expect(first.publicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    expect(statSync(join(dir, ECIES_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateEciesKey(dir);
    expect(again.publicKey).toBe(first.publicKey);
    expect(again.privateKey).toEqual(first.privateKey);
  });

  it("should serve a public key that eciesjs clients can seal to and the relay can open", () => {
    const key = loadOrCreateEciesKey(tempDir());
    const sealed = encrypt(hexToBytes(key.publicKey), new TextEncoder().encode("hello relay"));
    expect(new TextDecoder().decode(decryptSealed(key.privateKey, sealed))).toBe("hello relay");
  });

  it("should derive the known public key of a known secret", () => {
    // secret 1 -> the generator point G
    const key = eciesKeyFromSecret(`0x${"0".repeat(63)}1`);
    expect(key.publicKey).toBe(
      "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
    );
  });

  it("should refuse invalid secrets and a corrupted key file with a typed error", () => {
    expect(() => eciesKeyFromSecret(`0x${"0".repeat(64)}`)).toThrow(InvalidEciesKeyError);
    expect(() => eciesKeyFromSecret(`0x${"f".repeat(64)}`)).toThrow(InvalidEciesKeyError);
    expect(() => eciesKeyFromSecret("0x1234")).toThrow(InvalidEciesKeyError);
    const dir = tempDir();
    writeFileSync(join(dir, ECIES_KEY_FILE), "not a key\n");
    expect(() => loadOrCreateEciesKey(dir)).toThrow(InvalidEciesKeyError);
    expect(readFileSync(join(dir, ECIES_KEY_FILE), "utf8")).toBe("not a key\n");
  });
});

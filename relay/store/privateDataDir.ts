import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";

/** Mode of the data dir: only the relay's user may list or enter it. */
export const DATA_DIR_MODE = 0o700;
/** Mode of every file in it: the store holds decrypted orders, signatures and salts; the dir the ECIES key. */
export const DATA_FILE_MODE = 0o600;

/**
 * Makes `dataDir` private before anything sensitive is written to it: created 0700 (or narrowed to 0700 when
 * it exists with wider bits), and each of `files` created empty 0600 (or narrowed to 0600). SQLite gives its
 * -wal and -shm files the database file's mode, so creating the database 0600 first keeps all three private.
 * @example securePrivateDataDir(config.dataDir, ["relay.sqlite", "relay.sqlite-wal", "relay.sqlite-shm"])
 */
export function securePrivateDataDir(dataDir: string, files: string[] = []): void {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  if ((statSync(dataDir).mode & 0o777) !== DATA_DIR_MODE) chmodSync(dataDir, DATA_DIR_MODE);
  for (const name of files) {
    const path = join(dataDir, name);
    if (!existsSync(path)) closeSync(openSync(path, "a", DATA_FILE_MODE));
    if ((statSync(path).mode & 0o777) !== DATA_FILE_MODE) chmodSync(path, DATA_FILE_MODE);
  }
}

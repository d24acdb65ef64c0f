import pino from "pino";
import { ConfigError, loadConfig } from "./config.js";
import { startRelay } from "./startRelay.js";

/**
 * `relay/main.ts`: the relay's entry point. Reads flags and env (see config.ts), starts everything, prints
 * "Veil relay listening on http://HOST:PORT", and shuts down gracefully on SIGINT/SIGTERM (queued writes
 * are flushed; nothing accepted is lost, and a SIGKILL is recovered from on the next start).
 */
/** Longest graceful shutdown before the relay exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  // Whatever the relay writes (store, WAL, ECIES key, temp files) is readable by its own user only.
  process.umask(0o077);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // Log through process.stdout, not pino's default destination: at exit that one flushes with a loop that
  // retries a failed write forever, so a relay whose parent died (stdout's reader gone: EPIPE) would hang
  // on exit instead of stopping. process.stdout reports EPIPE as an error event; logs are then lost, the
  // shutdown is not.
  process.stdout.on("error", () => {});
  const logger = pino({ level: config.logLevel }, process.stdout);
  const relay = await startRelay(config, logger);
  process.stdout.write(`Veil relay listening on ${relay.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // a close that never settles must not keep the process alive (a SIGKILL is recovered from on restart)
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    relay.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err) => {
  process.stderr.write(`Veil relay failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

import type Database from "better-sqlite3";

/**
 * Orders per state kept by SQLite triggers on every insert, state change and delete, so the `veil_orders`
 * gauge reads a handful of rows instead of scanning the whole orders table on every scrape (55 ms at 300k
 * rows; THREATS.md: a free request never costs a table scan). Installed idempotently on open; a store from
 * before the triggers is counted once, in the same transaction that installs them.
 * @example installOrderStateCounts(db); const counts = readOrderStateCounts(db)
 */
export function installOrderStateCounts(db: Database.Database): void {
  db.transaction(() => {
    const existed = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'order_state_counts'")
      .get();
    db.exec(`
      CREATE TABLE IF NOT EXISTS order_state_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL);
      CREATE TRIGGER IF NOT EXISTS order_state_counts_insert AFTER INSERT ON orders BEGIN
        INSERT INTO order_state_counts (state, n) VALUES (NEW.state, 1)
          ON CONFLICT(state) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER IF NOT EXISTS order_state_counts_update AFTER UPDATE OF state ON orders
        WHEN OLD.state <> NEW.state BEGIN
        UPDATE order_state_counts SET n = n - 1 WHERE state = OLD.state;
        INSERT INTO order_state_counts (state, n) VALUES (NEW.state, 1)
          ON CONFLICT(state) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER IF NOT EXISTS order_state_counts_delete AFTER DELETE ON orders BEGIN
        UPDATE order_state_counts SET n = n - 1 WHERE state = OLD.state;
      END;`);
    if (!existed)
      db.exec("INSERT INTO order_state_counts (state, n) SELECT state, COUNT(*) FROM orders GROUP BY state");
  })();
}

/** Orders per state, from the trigger-kept table (a few rows). */
export function readOrderStateCounts(db: Database.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of db.prepare("SELECT state, n FROM order_state_counts").all() as {
    state: string;
    n: number;
  }[])
    if (r.n > 0) out[r.state] = r.n;
  return out;
}

import type pg from "pg";

/**
 * The PostgreSQL schema as numbered migrations, applied in order, each once (the pending ones in one
 * transaction: a failed migration leaves the database as it was), each version recorded in
 * `veil_schema_migrations`. A running relay never changes a migration that
 * shipped: a schema change is a new entry at the end. Two relays starting at once against one database
 * take a transaction-level advisory lock ({@link MIGRATION_LOCK_KEY}), so one migrates and the other then
 * sees the versions done.
 *
 * The tables mirror the SQLite store's (relay/store/sqliteStore.ts, storeRows.ts), so one row mapping serves
 * both: quantities as decimal TEXT, JSON as TEXT, times as unix-ms BIGINT.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "orders, batches, bundle attempts, misses",
    sql: `
CREATE TABLE orders (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  mode TEXT NOT NULL,
  trader TEXT NOT NULL,
  state TEXT NOT NULL,
  batch_id BIGINT,
  leaf_index INTEGER,
  order_json TEXT,
  nonce TEXT,
  signature TEXT,
  salt TEXT,
  digest TEXT,
  reason TEXT,
  error TEXT,
  fill_json TEXT,
  expired_batches INTEGER NOT NULL DEFAULT 0,
  commit_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX orders_batch ON orders(batch_id);
CREATE INDEX orders_digest ON orders(digest);
CREATE INDEX orders_trader_nonce ON orders(trader, nonce);
CREATE INDEX orders_updated ON orders(updated_at);
CREATE TABLE batches (
  id BIGSERIAL PRIMARY KEY,
  state TEXT NOT NULL,
  chain_batch_id TEXT,
  root TEXT,
  leaves_json TEXT,
  commit_block TEXT,
  commit_deadline TEXT,
  reveal_after TEXT,
  commit_tx_hash TEXT,
  commit_block_hash TEXT,
  settle_tx_hash TEXT,
  settle_block TEXT,
  settle_block_hash TEXT,
  created_at BIGINT NOT NULL,
  closed_at BIGINT,
  settled_at BIGINT
);
CREATE INDEX batches_state ON batches(state);
CREATE INDEX batches_created ON batches(created_at);
CREATE TABLE bundle_attempts (
  id BIGSERIAL PRIMARY KEY,
  batch_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  target_block TEXT NOT NULL,
  bundle_hash TEXT,
  error TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX attempts_batch ON bundle_attempts(batch_id, kind);
CREATE TABLE trader_misses (
  trader TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  last_at BIGINT NOT NULL
);
CREATE TABLE order_state_counts (state TEXT PRIMARY KEY, n BIGINT NOT NULL);
CREATE FUNCTION order_state_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE order_state_counts SET n = n - 1 WHERE state = OLD.state;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO order_state_counts (state, n) VALUES (NEW.state, 1)
      ON CONFLICT (state) DO UPDATE SET n = order_state_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER order_state_counts_insert AFTER INSERT OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION order_state_counts_track();
CREATE TRIGGER order_state_counts_update AFTER UPDATE OF state ON orders
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION order_state_counts_track();
`,
  },
  {
    version: 2,
    name: "wallet RPC private transactions, Merkle proofs",
    sql: `
CREATE TABLE rpc_private_txs (
  hash TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  raw TEXT NOT NULL,
  to_addr TEXT,
  value TEXT NOT NULL,
  gas TEXT NOT NULL,
  max_fee TEXT NOT NULL,
  max_priority_fee TEXT NOT NULL,
  data TEXT NOT NULL,
  chain_id INTEGER NOT NULL,
  tx_type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING','INCLUDED','FAILED','CANCELLED')),
  max_block_number INTEGER NOT NULL,
  submitted_block INTEGER NOT NULL,
  last_sent_block INTEGER NOT NULL DEFAULT 0,
  included_block INTEGER,
  included_block_hash TEXT,
  sim_error TEXT,
  revert_reason TEXT,
  is_revert INTEGER NOT NULL DEFAULT 0,
  can_revert INTEGER NOT NULL DEFAULT 0,
  fast INTEGER NOT NULL DEFAULT 0,
  replaced_by TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX rpc_private_txs_pending ON rpc_private_txs (status, sender, nonce);
CREATE INDEX rpc_private_txs_updated ON rpc_private_txs (updated_at_ms);
CREATE TABLE leaf_proofs (
  root TEXT NOT NULL,
  leaf_index INTEGER NOT NULL,
  proof BYTEA NOT NULL,
  PRIMARY KEY (root, leaf_index)
);
`,
  },
  {
    version: 3,
    name: "one live order per trader nonce, enforced by the database",
    sql: `
CREATE UNIQUE INDEX orders_live_nonce ON orders(trader, nonce)
  WHERE nonce IS NOT NULL AND state NOT IN ('filled', 'unfilled', 'failed', 'cancelled');
`,
  },
];

/** Advisory lock key (transaction-level) held while migrating: "veil_mig" as an int. */
export const MIGRATION_LOCK_KEY = 0x7665696c_6d6967n;

/**
 * Brings the database to the latest {@link MIGRATIONS} version; returns the versions it applied. Refuses a
 * database migrated by a newer relay (a version it does not know), rather than run against a schema it
 * cannot read.
 * @example const applied = await migrate(pool)
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS veil_schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const done = new Set(
      (await client.query<{ version: number }>("SELECT version FROM veil_schema_migrations")).rows.map(
        (r) => r.version,
      ),
    );
    const known = new Set(MIGRATIONS.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0)
      throw new Error(
        `the database has schema versions this relay does not know (${unknown.join(", ")}): it was migrated by a newer relay`,
      );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(
        "INSERT INTO veil_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        [m.version, m.name, Date.now()],
      );
      applied.push(m.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

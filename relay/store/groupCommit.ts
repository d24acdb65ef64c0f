import { closeSync, fsync, fsyncSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import type { SqliteTransactions } from "./sqliteTransactions.js";

type Waiter = { resolve: (v: unknown) => void; reject: (e: unknown) => void; ok: boolean; value: unknown };
type Pending = { op: () => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Counters, for tests and metrics: how many writes shared how many commits and disk flushes. */
export type GroupCommitStats = { writes: number; commits: number; syncs: number };

/**
 * Durable group commit with the disk flush off the event loop.
 *
 * With `synchronous=FULL`, every SQLite commit fsyncs the WAL inside the synchronous better-sqlite3 call:
 * on this kind of machine that blocks the relay's only JS thread ~4-5 ms per commit, whatever the group
 * size, which caps intake and stretches p99 latency. Here a group's transaction runs with
 * `synchronous=NORMAL` (a commit writes its WAL frames to the OS, no fsync: ~0.05 ms), and the fsync of the
 * WAL file runs on the libuv thread pool (`fs.fsync`) while the event loop keeps serving requests. A write's
 * promise resolves only after an fsync that started after its commit has completed, so an accepted order is
 * on disk before the 2xx exactly as with `FULL` (SQLite replays committed WAL frames on open). Writes
 * arriving during one event-loop turn share one transaction; commits made while an fsync is in flight share
 * the next fsync, so under load there is at most one flush in flight and groups grow by themselves.
 *
 * The connection's own level is restored right after each group's commit, so other writers on the same
 * connection (batcher, settler, wallet RPC) keep exactly the durability they had. Only one GroupCommit per
 * connection.
 *
 * @example
 * const commits = new GroupCommit(db, transactions);
 * await commits.run(() => store.insertOrder(record)); // durable now: answer 201
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Committed, not yet covered by a completed fsync. */
  private unsynced: Waiter[] = [];
  private syncing = false;
  private walFd: number | null = null;
  /** The connection's synchronous level, restored after each group commit. */
  private readonly level: number;
  readonly stats: GroupCommitStats = { writes: 0, commits: 0, syncs: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly txs: SqliteTransactions,
  ) {
    const mode = String(db.pragma("journal_mode", { simple: true })).toLowerCase();
    if (mode !== "wal") throw new Error(`GroupCommit needs journal_mode=WAL, the database is in ${mode}`);
    this.level = Number(db.pragma("synchronous", { simple: true }));
    // the WAL file's directory entry must be durable too
    const dirFd = openSync(dirname(db.name), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Queues `op` (store writes on this connection); resolves with its result once durable. */
  run<T>(op: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.commit());
      }
    });
  }

  /** Closes the WAL handle (call after the last `run` settled, before closing the database). */
  close(): void {
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }

  /**
   * Commits the queued writes now (any store call made after this one sees them: the group's transaction
   * holds the connection's lock from here on; their promises resolve once the fsync covering them is done).
   * The batcher calls it before it freezes a batch.
   */
  flush(): Promise<void> {
    return this.commit();
  }

  /** Runs the queued writes in one transaction, each in its own savepoint so one failure fails alone. */
  private async commit(): Promise<void> {
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const done: Waiter[] = [];
    try {
      await this.txs.transaction(
        async () => {
          for (const p of group) {
            try {
              done.push({ ...p, ok: true, value: await this.txs.transaction(p.op) });
            } catch (err) {
              done.push({ ...p, ok: false, value: err });
            }
          }
        },
        {
          before: () => this.db.pragma("synchronous = NORMAL"),
          after: () => this.db.pragma(`synchronous = ${this.level}`),
        },
      );
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    this.stats.writes += group.length;
    this.stats.commits++;
    // failed writes changed nothing: no need to wait for the disk to tell them
    for (const w of done) if (!w.ok) w.reject(w.value);
    this.unsynced.push(...done.filter((w) => w.ok));
    this.sync();
  }

  /** Starts an fsync covering every commit so far, unless one is running (it will chain another). */
  private sync(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    const covered = this.unsynced;
    this.unsynced = [];
    let fd: number;
    try {
      if (this.walFd === null) this.walFd = openSync(`${this.db.name}-wal`, "r");
      fd = this.walFd;
    } catch (err) {
      for (const w of covered) w.reject(err);
      return;
    }
    this.syncing = true;
    fsync(fd, (err) => {
      this.syncing = false;
      this.stats.syncs++;
      for (const w of covered) {
        if (err) w.reject(err);
        else w.resolve(w.value);
      }
      this.sync();
    });
  }
}

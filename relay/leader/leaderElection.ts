import pg from "pg";

/** What an instance does: the leader drives batches, settles and private txs; a follower serves requests. */
export type RelayRole = "leader" | "follower";

/** The instance's role, as the relay's loops and `/healthz` read it. */
export interface LeaderElection {
  readonly role: RelayRole;
  /** Starts contending (a single instance leads at once); `onLead` runs once, when this instance leads. */
  start(onLead: () => Promise<void> | void): Promise<void>;
  /** Stops contending; a leader's lock is released with its connection. */
  stop(): Promise<void>;
}

/** One relay on its own store (SQLite): always the leader. */
export function soleLeader(): LeaderElection {
  let role: RelayRole = "follower";
  return {
    get role() {
      return role;
    },
    async start(onLead) {
      role = "leader";
      await onLead();
    },
    async stop() {},
  };
}

/** Session advisory lock key held by the leader: "veilleadr" folded to an int8. */
export const LEADER_LOCK_KEY = "8532213145463580274";

/** Options of {@link postgresLeaderElection}. */
export type PostgresElectionOptions = {
  /** How often a follower tries the lock (ms): bounds the failover time with the server's own detection. */
  retryMs: number;
  /** The leader lost its lock connection: it must stop leading at once (the relay exits). */
  onLost: (err: unknown) => void;
  onError?: (err: unknown) => void;
};

/**
 * Leader election among relay instances sharing one PostgreSQL database: a session advisory lock
 * (`pg_try_advisory_lock`) held on a dedicated connection, never a pooled one. Whoever holds it leads; the
 * others retry every `retryMs`. When the leader dies (kill -9, machine gone) the server closes its
 * connection and releases the lock, and the next follower try takes it: failover within about `retryMs`
 * plus the time the server needs to see the connection gone (at once for a dead process on a live host;
 * TCP keepalive for a vanished machine, set short here). A leader whose lock connection fails cannot know
 * whether it still holds the lock, so it stops leading (`onLost`), before a follower can take over.
 * @example const election = postgresLeaderElection(url, { retryMs: 250, onLost: () => process.exit(75) })
 */
export function postgresLeaderElection(url: string, options: PostgresElectionOptions): LeaderElection {
  let role: RelayRole = "follower";
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 1_000 });
    c.on("error", (err) => {
      if (role === "leader" && !stopped) options.onLost(err);
      else options.onError?.(err);
      if (client === c) client = null;
    });
    c.on("end", () => {
      if (role === "leader" && !stopped) options.onLost(new Error("leader lock connection closed"));
      if (client === c) client = null;
    });
    await c.connect();
    return c;
  };

  return {
    get role() {
      return role;
    },
    async start(onLead) {
      const attempt = async (): Promise<void> => {
        if (stopped) return;
        try {
          client ??= await connect();
          const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
            LEADER_LOCK_KEY,
          ]);
          if (r.rows[0]?.ok && !stopped) {
            role = "leader";
            await onLead();
            return;
          }
        } catch (err) {
          options.onError?.(err);
          const c = client;
          client = null;
          await c?.end().catch(() => undefined);
        }
        if (!stopped) timer = setTimeout(() => void attempt(), options.retryMs);
      };
      await attempt();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

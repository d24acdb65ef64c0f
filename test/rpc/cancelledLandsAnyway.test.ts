import { type Hex, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import {
  bundleSentFor,
  bundleTrafficSettled,
  postRpc,
  type RpcServer,
  startRpcServer,
  waitForStatus,
} from "./rpcHarness.js";

// Issue 14: the chain is the truth for wallet txs too. A tx the relay marked CANCELLED (or FAILED) can still
// land: a builder took its bundle for the block being built before the withdrawal reached it. Before the fix
// the watcher only looked at PENDING txs, so such a tx stayed CANCELLED while its receipt was on chain.
describe("wallet RPC: a cancelled tx that lands anyway", () => {
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

  it("should end INCLUDED, as the chain says, not CANCELLED", async () => {
    const wallet = privateKeyToAccount(devnetAccount(devnet, "wallet").privateKey);
    const head = Number(BigInt((await postRpc(server.rpcUrl, rpcBody("eth_blockNumber", []))).body.result));
    const nonce = Number(
      BigInt(
        (await postRpc(server.rpcUrl, rpcBody("eth_getTransactionCount", [wallet.address, "latest"]))).body
          .result,
      ),
    );
    const raw = await wallet.signTransaction({
      chainId: devnet.chainId,
      type: "eip1559",
      nonce,
      to: devnetAccount(devnet, "searcher").address,
      value: parseEther("0.01"),
      gas: 21_000n,
      maxFeePerGas: parseUnits("50", 9),
      maxPriorityFeePerGas: parseUnits("1", 9),
    });
    const hash = (await postRpc(server.rpcUrl, rpcBody("eth_sendRawTransaction", [raw]))).body.result as Hex;
    // The builder holds its bundle for the next block; then the cancel is recorded but its withdrawal is
    // lost (it reached the builder too late): exactly what a race with the block being sealed leaves.
    await bundleSentFor(server, hash, head + 1);
    await bundleTrafficSettled(server, hash);
    expect(await server.rpc.store.markCancelled(hash)).toBe(true);
    await devnet.buildBlock();
    const receipt = (await postRpc(server.rpcUrl, rpcBody("eth_getTransactionReceipt", [hash]))).body.result;
    expect(receipt, "the builder included the bundle it held").not.toBeNull();

    const status = await waitForStatus(server, hash, "INCLUDED");
    expect(status.includedBlockNumber).toBe(Number(BigInt(receipt.blockNumber)));
  });
});

function rpcBody(method: string, params: unknown[]) {
  return { jsonrpc: "2.0", id: 1, method, params };
}

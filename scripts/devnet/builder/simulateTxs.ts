import { type Address, type Hex, hexToBigInt, numberToHex, toHex } from "viem";
import { rpcCall, UpstreamRpcError } from "../jsonRpc.js";
import type { DecodedTx } from "./decodeRawTx.js";

/** The block a simulation pretends to build on top of `stateBlock`. */
export type BlockEnv = {
  number: bigint;
  timestamp: bigint;
  coinbase: Address;
  baseFee: bigint;
  gasLimit: bigint;
  /** State to build on: a block number (hex) or tag. */
  stateBlock: Hex | "latest";
};

/** One executed transaction: what it used and what it paid the block's coinbase. */
export type TxSimResult = {
  tx: DecodedTx;
  gasUsed: bigint;
  success: boolean;
  returnData: Hex;
  /** Change of the coinbase balance across this tx (priority fees + direct transfers). */
  coinbaseDiff: bigint;
  /** gasUsed x effective priority fee. */
  gasFees: bigint;
};

export type SimulationOutcome =
  | { ok: true; results: TxSimResult[] }
  /** A tx could not be executed at all (nonce, fee, funds): nothing of the sequence can land. */
  | { ok: false; error: string; txHash: Hex };

// A probe contract returning block.coinbase.balance (COINBASE BALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN),
// injected by state override and called between transactions to measure what each one paid the block.
const PROBE = "0x00000000000000000000000000000000000be11e";
const PROBE_CODE = "0x413160005260206000f3";
const PROBE_SENDER = "0x00000000000000000000000000000000000be11f";
const PROBE_GAS = 50_000n;

type SimCall = { returnData: Hex; gasUsed: Hex; status: Hex };

function txCall(t: DecodedTx): Record<string, unknown> {
  const { tx } = t;
  const call: Record<string, unknown> = {
    from: t.from,
    to: tx.to ?? undefined,
    value: toHex(tx.value ?? 0n),
    input: tx.data ?? "0x",
    gas: toHex(t.gas),
    nonce: toHex(t.nonce),
  };
  if (tx.type === "legacy" || tx.type === "eip2930") call.gasPrice = toHex(t.maxFeePerGas);
  else {
    call.maxFeePerGas = toHex(t.maxFeePerGas);
    call.maxPriorityFeePerGas = toHex(t.maxPriorityFeePerGas);
  }
  if ("accessList" in tx && tx.accessList) call.accessList = tx.accessList;
  return call;
}

/** Effective priority fee per gas under `baseFee` (EIP-1559). */
export function effectiveTip(t: DecodedTx, baseFee: bigint): bigint {
  const headroom = t.maxFeePerGas - baseFee;
  // biome-ignore lint/complexity/useMathMinMax: bigints, Math.min does not take them
  return headroom < t.maxPriorityFeePerGas ? headroom : t.maxPriorityFeePerGas;
}

/** Checks anvil's eth_simulateV1 does not enforce (nonces, fee cap, gas limit); returns an error or null. */
async function precheck(
  anvilUrl: string,
  env: BlockEnv,
  txs: DecodedTx[],
): Promise<SimulationOutcome | null> {
  const senders = [...new Set(txs.map((t) => t.from))];
  const counts = await Promise.all(
    senders.map((a) => rpcCall<Hex>(anvilUrl, "eth_getTransactionCount", [a, env.stateBlock])),
  );
  const nonces = new Map(senders.map((a, i) => [a, Number(counts[i])]));
  let gasTotal = 0n;
  for (const t of txs) {
    const state = nonces.get(t.from)!;
    const fail = (error: string): SimulationOutcome => ({ ok: false, error, txHash: t.hash });
    if (t.nonce < state) return fail(`nonce too low: address ${t.from}, tx: ${t.nonce} state: ${state}`);
    if (t.nonce > state) return fail(`nonce too high: address ${t.from}, tx: ${t.nonce} state: ${state}`);
    if (t.maxFeePerGas < env.baseFee) {
      return fail(
        `max fee per gas less than block base fee: address ${t.from}, maxFeePerGas: ${t.maxFeePerGas}, baseFee: ${env.baseFee}`,
      );
    }
    if (t.maxPriorityFeePerGas > t.maxFeePerGas)
      return fail("max priority fee per gas higher than max fee per gas");
    gasTotal += t.gas;
    if (gasTotal > env.gasLimit) return fail(`gas limit reached: block gas limit ${env.gasLimit}`);
    nonces.set(t.from, state + 1);
  }
  return null;
}

async function runSimulation(anvilUrl: string, env: BlockEnv, txs: DecodedTx[]): Promise<SimCall[]> {
  const probe = { from: PROBE_SENDER, to: PROBE, gas: toHex(PROBE_GAS), maxFeePerGas: toHex(env.baseFee) };
  const calls: Record<string, unknown>[] = [{ ...probe, maxPriorityFeePerGas: "0x0" }];
  for (const t of txs) calls.push(txCall(t), { ...probe, maxPriorityFeePerGas: "0x0" });
  const blocks = await rpcCall<{ calls: SimCall[] }[]>(anvilUrl, "eth_simulateV1", [
    {
      blockStateCalls: [
        {
          blockOverrides: {
            number: numberToHex(env.number),
            time: numberToHex(env.timestamp),
            feeRecipient: env.coinbase,
            baseFeePerGas: numberToHex(env.baseFee),
            gasLimit: numberToHex(env.gasLimit),
          },
          stateOverrides: { [PROBE]: { code: PROBE_CODE }, [PROBE_SENDER]: { balance: toHex(10n ** 30n) } },
          calls,
        },
      ],
      validation: true,
    },
    env.stateBlock,
  ]);
  return blocks[0]!.calls;
}

/**
 * Executes transactions in order on top of `env.stateBlock` as block `env.number` would, without touching
 * the chain or anvil's pending pool (eth_simulateV1 plus a coinbase-balance probe between transactions).
 * A reverted transaction is a result (success false); a transaction that cannot run at all fails the
 * whole sequence, as in a real builder.
 *
 * @param anvilUrl node to simulate on
 * @param env block to pretend to build
 * @param txs decoded transactions, in execution order
 * @example const out = await simulateTxs(anvilUrl, env, bundle.txs);
 */
export async function simulateTxs(
  anvilUrl: string,
  env: BlockEnv,
  txs: DecodedTx[],
): Promise<SimulationOutcome> {
  const invalid = await precheck(anvilUrl, env, txs);
  if (invalid) return invalid;
  let calls: SimCall[];
  try {
    calls = await runSimulation(anvilUrl, env, txs);
  } catch (err) {
    if (!(err instanceof UpstreamRpcError)) throw err;
    // The node refused the whole sequence (e.g. insufficient funds): find the first tx it refuses.
    for (let k = 1; k <= txs.length; k++) {
      try {
        await runSimulation(anvilUrl, env, txs.slice(0, k));
      } catch (inner) {
        const message =
          inner instanceof UpstreamRpcError ? inner.message.replace(/^eth_simulateV1: /, "") : String(inner);
        return { ok: false, error: message.toLowerCase(), txHash: txs[k - 1]!.hash };
      }
    }
    return { ok: false, error: err.message, txHash: txs[0]!.hash };
  }
  const results: TxSimResult[] = [];
  let before = hexToBigInt(calls[0]!.returnData);
  txs.forEach((tx, i) => {
    const call = calls[1 + 2 * i]!;
    const after = hexToBigInt(calls[2 + 2 * i]!.returnData);
    const gasUsed = hexToBigInt(call.gasUsed);
    results.push({
      tx,
      gasUsed,
      success: call.status === "0x1",
      returnData: call.returnData,
      coinbaseDiff: after - before,
      gasFees: gasUsed * effectiveTip(tx, env.baseFee),
    });
    before = after;
  });
  return { ok: true, results };
}

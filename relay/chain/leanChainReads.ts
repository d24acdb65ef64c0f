import { type Address, type Hex, toFunctionSelector, toHex } from "viem";
import { NodeClient } from "../rpc/nodeClient.js";
import { NodeUnavailableError } from "../rpc/rpcErrors.js";

const BALANCE_OF = toFunctionSelector("balanceOf(address)");
const ALLOWANCE = toFunctionSelector("allowance(address,address)");
const NONCE_BITMAP = toFunctionSelector("nonceBitmap(address,uint256)");
const ADDRESS_HEX = /^0x[0-9a-fA-F]{40}$/;
const WORD_RESULT = /^0x[0-9a-fA-F]{64}/;

/** An address as one ABI word (left-padded), without the 0x. */
function addressWord(a: Address): string {
  if (typeof a !== "string" || !ADDRESS_HEX.test(a)) throw new RangeError(`not an address: ${a}`);
  return a.slice(2).toLowerCase().padStart(64, "0");
}

/** A uint256 as one ABI word, without the 0x. */
function uintWord(v: bigint): string {
  if (v < 0n || v >= 1n << 256n) throw new RangeError(`uint256 out of range: ${v}`);
  return v.toString(16).padStart(64, "0");
}

/**
 * The node reads on intake's refusal path (a stranger's order or commitment: sell-token balance, allowance,
 * nonce bitmap, the commitment funding probe), as raw `eth_call`s with hand-encoded calldata over one
 * keep-alive `node:http` agent (the wallet RPC's {@link NodeClient}). viem's client does the same reads
 * through its ABI coder, fetch (web streams), a timeout wrapper and a batch scheduler: about 0.7 ms of CPU
 * per read, most of a refused request's cost. Same semantics: "latest" state; a revert or a result that is
 * not an ABI word throws (the caller answers UPSTREAM_UNAVAILABLE); a transport failure is retried once.
 * @example const balance = await reads.balanceOf(weth, trader)
 */
export class LeanChainReads {
  private readonly node: NodeClient;

  /** @param node the relay's one node client (shared with the wallet RPC), or a URL to open one for. */
  constructor(
    node: NodeClient | string,
    private readonly settlement: Address,
  ) {
    this.node = typeof node === "string" ? new NodeClient(node) : node;
  }

  /** A raw `eth_call` at "latest" (no `to`: runs `data` as creation code); its return data. */
  async call(tx: { to?: Address; data: Hex; gas?: bigint; from?: Address }): Promise<Hex> {
    const params = [
      {
        ...(tx.from ? { from: tx.from } : {}),
        ...(tx.to ? { to: tx.to } : {}),
        data: tx.data,
        ...(tx.gas !== undefined ? { gas: toHex(tx.gas) } : {}),
      },
      "latest",
    ];
    try {
      return await this.node.call<Hex>("eth_call", params);
    } catch (err) {
      if (!(err instanceof NodeUnavailableError)) throw err;
      return await this.node.call<Hex>("eth_call", params); // one retry of a transport failure, as viem's
    }
  }

  /** An `eth_call` whose answer is one ABI word (at least), as a bigint. */
  async word(to: Address, data: Hex): Promise<bigint> {
    const res = await this.call({ to, data });
    if (typeof res !== "string" || !WORD_RESULT.test(res))
      throw new Error(`eth_call to ${to} returned ${String(res).slice(0, 20)}, not an ABI word`);
    return BigInt(res.slice(0, 66));
  }

  /** ERC-20 `balanceOf(owner)`. */
  balanceOf(token: Address, owner: Address): Promise<bigint> {
    return this.word(token, `${BALANCE_OF}${addressWord(owner)}`);
  }

  /** ERC-20 `allowance(owner, settlement)`. */
  allowance(token: Address, owner: Address): Promise<bigint> {
    return this.word(token, `${ALLOWANCE}${addressWord(owner)}${addressWord(this.settlement)}`);
  }

  /** The settlement's `nonceBitmap(trader, word)`. */
  nonceBitmap(trader: Address, word: bigint): Promise<bigint> {
    return this.word(this.settlement, `${NONCE_BITMAP}${addressWord(trader)}${uintWord(word)}`);
  }
}

/**
 * Hand-picked single-line mutants of the settlement contract, one list with the reason each matters.
 * Why a hand list and not a Solidity mutation tool: none runs offline here, and the checks of `settle` are
 * few enough to name one by one; each entry is one small edit a reviewer could plausibly make by mistake.
 * `find` must occur exactly once in `file` (the runner refuses an ambiguous or stale entry).
 */
export type ContractMutant = {
  id: string;
  file: string;
  find: string;
  replace: string;
  why: string;
};

const S = "contracts/src/VeilSettlement.sol";
const T = "contracts/src/libraries/BatchTransferLib.sol";

/** Deletes the line's revert check (keeps the file compiling). */
const drop = (id: string, file: string, find: string, why: string): ContractMutant => ({
  id,
  file,
  find,
  replace: "",
  why,
});

export const CONTRACT_MUTANTS: readonly ContractMutant[] = [
  drop(
    "notOperator",
    S,
    "if (!isOperator[msg.sender]) revert NotOperator(msg.sender);",
    "anyone commits and settles",
  ),
  drop(
    "unknownBatch",
    S,
    "if (root == bytes32(0)) revert UnknownBatch(batchId);",
    "settle an uncommitted id",
  ),
  drop("alreadySettled", S, "if (b.settled) revert BatchAlreadySettled(batchId);", "a batch settles twice"),
  drop(
    "batchOperator",
    S,
    "if (b.operator != msg.sender) revert NotBatchOperator(batchId, msg.sender);",
    "another operator settles a batch it did not commit",
  ),
  {
    id: "revealDelayOneEarly",
    file: S,
    find: "if (block.number < firstBlock)",
    replace: "if (block.number + 1 < firstBlock)",
    why: "settle one block before the reveal delay passed",
  },
  drop(
    "revealDelay",
    S,
    "if (block.number < firstBlock) revert RevealDelayNotPassed(batchId, firstBlock);",
    "settle in the commit block",
  ),
  {
    id: "expiryOneLate",
    file: S,
    find: "if (block.number > lastBlock)",
    replace: "if (block.number > lastBlock + 1)",
    why: "settle one block after expiry",
  },
  {
    id: "expiryOneEarly",
    file: S,
    find: "if (block.number > lastBlock)",
    replace: "if (block.number >= lastBlock)",
    why: "the last block of the window refused",
  },
  {
    id: "commitByOneLate",
    file: S,
    find: "if (commitBlock > commitBy)",
    replace: "if (commitBlock > commitBy + 1)",
    why: "an order executes from a batch committed one block after its commitBy",
  },
  drop(
    "commitBy",
    S,
    "if (commitBlock > commitBy) revert CommitDeadlinePassed(i);",
    "an order executes from any later batch (re-committed next to a counter-order)",
  ),
  drop(
    "leafCount",
    S,
    "if (leafCount != b.leafCount) revert LeafCountMismatch(b.leafCount, leafCount);",
    "an inner node passed as a leaf",
  ),
  drop("markSettled", S, "b.settled = true;", "settled flag never set"),
  drop(
    "priceCount",
    S,
    "if (tokens.length != prices.length) revert PriceCountMismatch(tokens.length, prices.length);",
    "prices and tokens of different lengths",
  ),
  drop("zeroPrice", S, "if (prices[i] == 0) revert ZeroPrice(tokens[i]);", "a sell taken for nothing"),
  drop(
    "duplicateToken",
    S,
    "if (tokens[j] == tokens[i]) revert DuplicateToken(tokens[i]);",
    "a token listed twice",
  ),
  {
    id: "sameTokenTrade",
    file: S,
    find: "if (s >= tokenCount || b >= tokenCount || s == b)",
    replace: "if (s >= tokenCount || b >= tokenCount)",
    why: "an order selling and buying one token",
  },
  {
    id: "C3_validToInclusive",
    file: S,
    find: "if (block.timestamp > validTo)",
    replace: "if (block.timestamp >= validTo)",
    why: "an order refused in its last valid second",
  },
  drop("orderExpired", S, "if (block.timestamp > validTo) revert OrderExpired(i);", "expired orders execute"),
  drop(
    "leafInRange",
    S,
    "if (leafIndex >= nodes.length) revert LeafIndexOutOfRange(i);",
    "leaf written out of bounds",
  ),
  drop(
    "leafTaken",
    S,
    "if (current != bytes32(0)) revert LeafIndexTaken(i);",
    "an uncommitted trade hides under a committed one",
  ),
  drop(
    "signature",
    S,
    "if (!SignatureLib.isValid(trader, digest, _signatureOf(t))) revert InvalidSignature(i);",
    "unsigned orders execute",
  ),
  drop(
    "nonceUsed",
    S,
    "if (word & bit != 0) revert NonceUsed(trader, nonce);",
    "replays and cancelled orders execute",
  ),
  {
    id: "nonceNotStored",
    file: S,
    find: "sstore(slot, or(word, bit))",
    replace: "sstore(slot, word)",
    why: "a used nonce is never recorded",
  },
  drop(
    "limit",
    S,
    "if (buyAmount < minBuyAmount) revert LimitNotMet(i, buyAmount, minBuyAmount);",
    "limits ignored",
  ),
  {
    id: "roundUp",
    file: S,
    find: "buyAmount = FixedPointMathLib.fullMulDiv(sellAmount, pSell, pBuy);",
    replace: "buyAmount = FixedPointMathLib.fullMulDivUp(sellAmount, pSell, pBuy);",
    why: "buy amounts rounded in the trader's favour (the contract pays dust it does not have)",
  },
  drop("root", S, "if (computed != root) revert RootMismatch(root, computed);", "uncommitted orders execute"),
  {
    id: "C12_invalidateOverwrites",
    file: S,
    find: "nonceBitmap[msg.sender][word] |= mask;",
    replace: "nonceBitmap[msg.sender][word] = mask;",
    why: "an on-chain cancel wipes the bits of used nonces",
  },
  drop("poolAllowed", T, "if (!isPool[sw.pair]) revert PoolNotAllowed(sw.pair);", "swaps against any pair"),
  drop(
    "swapInInBatch",
    T,
    "if (!_contains(tokens, sw.tokenIn)) revert TokenNotInBatch(sw.tokenIn);",
    "swaps spend stray tokens outside conservation",
  ),
  drop(
    "swapOutInBatch",
    T,
    "if (!_contains(tokens, tokenOut)) revert TokenNotInBatch(tokenOut);",
    "surplus swapped out of the conserved set",
  ),
  drop(
    "receivedLess",
    T,
    "if (received < pulled[k]) revert ReceivedLess(tokens[k], pulled[k], received);",
    "fee-on-transfer sells accepted",
  ),
  drop(
    "C7_conservation",
    T,
    "if (afterwards < before[k]) revert BalanceDecreased(tokens[k], before[k], afterwards);",
    "a batch spends the contract's dust",
  ),
];

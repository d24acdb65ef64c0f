// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../../src/VeilSettlement.sol";
import {PoolSwap, Trade as TradeData} from "../../src/SettlementTypes.sol";
import {MerkleLib} from "../../src/libraries/MerkleLib.sol";
import {OrderLib} from "../../src/libraries/OrderLib.sol";
import {V2SwapLib} from "../../src/libraries/V2SwapLib.sol";
import {IUniswapV2PairFull} from "../utils/IUniswapV2.sol";
import {TestToken} from "../utils/tokens/TestToken.sol";
import {vm} from "../utils/Vm.sol";

/// @notice Drives the settlement with random batches: commits, then settles them valid or broken in one of
///         several ways, at random blocks. Records a violation whenever settle accepts what it must refuse,
///         or a settled trade moves other amounts than the clearing prices give.
contract SettlementHandler {
    uint256 internal constant TRADERS = 4;
    uint256 internal constant PRICE_ONE = 1e18;

    VeilSettlement public immutable settlement;
    TestToken public immutable tokenA;
    TestToken public immutable tokenB;
    address public immutable pair;
    address public immutable operator;
    uint256[TRADERS] internal keys;
    address[TRADERS] public traders;

    uint256 public violations;
    uint256 public settledBatches;
    uint256 public refusedBatches;
    uint256 public settledTrades;
    /// @dev Why the last refused settle reverted (for debugging a failing run).
    bytes public lastRevert;
    uint256 internal nextNonce = 1;
    mapping(address => mapping(uint256 => bool)) public executed;
    /// @dev A trade that settled once, kept to be replayed.
    TradeData internal replayable;
    bool internal hasReplayable;

    struct Plan {
        uint256 n;
        bool[] sellsA;
        uint256[] amounts;
        uint256 price;
        uint256 swapIn;
        uint256 swapOut;
    }

    constructor(VeilSettlement s, TestToken a, TestToken b, address p, address op, uint256[TRADERS] memory k) {
        (settlement, tokenA, tokenB, pair, operator, keys) = (s, a, b, p, op, k);
        for (uint256 i; i < TRADERS; ++i) {
            traders[i] = vm.addr(k[i]);
        }
    }

    /// @notice Commits a random batch of 1-4 orders and tries to settle it, valid (`mutation` >= 8) or broken.
    function commitAndSettle(uint256 seed, uint8 mutation, uint8 blocksAfter) external {
        Plan memory plan = _plan(seed);
        address[] memory tokens = new address[](2);
        tokens[0] = address(tokenA);
        tokens[1] = address(tokenB);
        (TradeData[] memory trades, bytes32[] memory committed) = _trades(plan, tokens);
        mutation = mutation % 13;
        if (mutation == 0) trades[0].minBuyAmount = _buy(plan, 0) + 1; // limit above clearing: re-signed below
        if (mutation == 0) trades[0].signature = _resign(trades[0], tokens);
        bytes32 root = _root(committed, mutation == 1); // 1: commit a different root
        vm.prank(operator);
        uint256 batchId = settlement.commit(root, uint32(committed.length));
        uint256 commitBlock = block.number;
        if (mutation == 2) vm.warp(uint256(trades[0].validTo) + 1); // expired order
        if (mutation == 3 && hasReplayable) trades[0] = replayable; // replay: leaf not committed, nonce used
        if (mutation == 4) trades[0].sellAmount += 1; // order changed after commit
        uint256 offset = settlement.revealDelay() + (blocksAfter % (settlement.expiry() - settlement.revealDelay() + 1));
        if (mutation == 5) offset = blocksAfter % settlement.revealDelay(); // too early
        if (mutation == 6) offset = settlement.expiry() + 1 + (blocksAfter % 5); // too late
        vm.roll(commitBlock + offset);
        vm.warp(block.timestamp + 12 * offset); // 12 s blocks: the settle's block is not the last pool trade's
        bool mustFail = mutation <= 7 && !(mutation == 3 && !hasReplayable);
        for (uint256 i; i < plan.n; ++i) {
            committed[i] = bytes32(0); // the trades' slots: settle puts their leaves there
        }
        // 7: A sellers paid 0.5% more B than the batch brings in (B sellers + pool output, priced to balance):
        // only the settlement's own dust could cover it, which the conservation check must refuse.
        if (mutation == 7) plan.price += plan.price / 200;
        _settleAndCheck(batchId, commitBlock, committed, tokens, plan, trades, mustFail);
    }

    /// @notice A trader cancels a random nonce bit on chain.
    function invalidate(uint256 traderSeed, uint256 mask) external {
        vm.prank(traders[traderSeed % TRADERS]);
        settlement.invalidateNonces(0, mask);
    }

    function _settleAndCheck(
        uint256 batchId,
        uint256 commitBlock,
        bytes32[] memory leaves,
        address[] memory tokens,
        Plan memory plan,
        TradeData[] memory trades,
        bool mustFail
    ) internal {
        uint256[] memory prices = new uint256[](2);
        prices[0] = plan.price;
        prices[1] = PRICE_ONE;
        PoolSwap[] memory swaps = new PoolSwap[](plan.swapIn > 0 ? 1 : 0);
        if (plan.swapIn > 0) swaps[0] = PoolSwap(pair, address(tokenA), plan.swapIn, plan.swapOut);
        uint256[] memory buyBefore = new uint256[](trades.length);
        for (uint256 i; i < trades.length; ++i) {
            buyBefore[i] = TestToken(tokens[trades[i].buyTokenIndex]).balanceOf(trades[i].trader);
        }
        vm.prank(operator);
        try settlement.settle(batchId, leaves, tokens, prices, trades, swaps) {
            settledBatches++;
            if (mustFail) violations++;
            if (block.number < commitBlock + settlement.revealDelay()) violations++;
            if (block.number > commitBlock + settlement.expiry()) violations++;
            for (uint256 i; i < trades.length; ++i) {
                TradeData memory t = trades[i];
                if (executed[t.trader][t.nonce]) violations++;
                executed[t.trader][t.nonce] = true;
                uint256 got = TestToken(tokens[t.buyTokenIndex]).balanceOf(t.trader) - buyBefore[i];
                if (got < t.minBuyAmount || got != _buy(plan, i)) violations++;
                settledTrades++;
            }
            replayable = trades[0];
            hasReplayable = true;
        } catch (bytes memory reason) {
            lastRevert = reason;
            refusedBatches++;
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       BATCH BUILDING                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev 1-4 orders, trader i places order i; A sellers outweigh B sellers, the excess goes to the pool at
    ///      the highest price that balances the batch.
    function _plan(uint256 seed) internal view returns (Plan memory p) {
        p.n = 1 + seed % TRADERS;
        p.sellsA = new bool[](p.n);
        p.amounts = new uint256[](p.n);
        uint256 x;
        for (uint256 i; i < p.n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            p.sellsA[i] = i == 0 || r % 2 == 0;
            p.amounts[i] = p.sellsA[i] ? 10e18 + r % 90e18 : 1e18 + r % 9e18;
            if (p.sellsA[i]) x += p.amounts[i];
        }
        (uint112 r0, uint112 r1,) = IUniswapV2PairFull(pair).getReserves();
        (uint256 ra, uint256 rb) = IUniswapV2PairFull(pair).token0() == address(tokenA) ? (r0, r1) : (r1, r0);
        p.price = rb * PRICE_ONE / ra;
        for (uint256 k; k < 6; ++k) {
            (uint256 residual, uint256 out,,) = _balance(p, ra, rb);
            p.price = (_sum(p, false) + out) * PRICE_ONE / x;
            if (residual == 0) break;
        }
        for (uint256 k; k < 20; ++k) {
            (,, bool ok,) = _balance(p, ra, rb);
            if (ok) break;
            p.price -= p.price / 1e6 + 1;
        }
        (p.swapIn, p.swapOut,,) = _balance(p, ra, rb);
    }

    function _balance(Plan memory p, uint256 ra, uint256 rb)
        internal
        pure
        returns (uint256 residual, uint256 out, bool ok, uint256 owedB)
    {
        uint256 owedA;
        uint256 x;
        for (uint256 i; i < p.n; ++i) {
            if (p.sellsA[i]) {
                x += p.amounts[i];
                owedB += p.amounts[i] * p.price / PRICE_ONE;
            } else {
                owedA += p.amounts[i] * PRICE_ONE / p.price;
            }
        }
        if (owedA > x) return (0, 0, false, owedB);
        residual = x - owedA;
        out = V2SwapLib.getAmountOut(residual, ra, rb);
        ok = _sum(p, false) + out >= owedB;
    }

    function _sum(Plan memory p, bool sideA) internal pure returns (uint256 s) {
        for (uint256 i; i < p.n; ++i) {
            if (p.sellsA[i] == sideA) s += p.amounts[i];
        }
    }

    function _buy(Plan memory p, uint256 i) internal pure returns (uint256) {
        return p.sellsA[i] ? p.amounts[i] * p.price / PRICE_ONE : p.amounts[i] * PRICE_ONE / p.price;
    }

    function _trades(Plan memory p, address[] memory tokens)
        internal
        returns (TradeData[] memory trades, bytes32[] memory committed)
    {
        trades = new TradeData[](p.n);
        committed = new bytes32[](p.n + 1); // one extra leaf: a committed order that is not executed
        committed[p.n] = keccak256(abi.encode("unexecuted", nextNonce));
        for (uint256 i; i < p.n; ++i) {
            TradeData memory t = trades[i];
            t.leafIndex = uint32(i);
            (t.sellTokenIndex, t.buyTokenIndex) = p.sellsA[i] ? (0, 1) : (1, 0);
            t.trader = traders[i];
            t.sellAmount = p.amounts[i];
            t.minBuyAmount = _buy(p, i) - _buy(p, i) / 100;
            t.nonce = nextNonce++;
            t.validTo = uint64(block.timestamp + 1 hours);
            t.commitBy = uint64(block.number); // committed in this very block (the handler commits right away)
            t.salt = keccak256(abi.encode("salt", t.nonce));
            t.signature = _resign(t, tokens);
            committed[i] = OrderLib.leaf(_digest(t, tokens), t.salt);
        }
    }

    function _digest(TradeData memory t, address[] memory tokens) internal view returns (bytes32) {
        return OrderLib.hash(
            OrderLib.Order(
                t.trader, tokens[t.sellTokenIndex], tokens[t.buyTokenIndex], t.sellAmount, t.minBuyAmount, t.nonce, t.validTo,
                t.commitBy, t.feeAmount
            ),
            settlement.domainSeparator()
        );
    }

    function _resign(TradeData memory t, address[] memory tokens) internal view returns (bytes memory) {
        uint256 key;
        for (uint256 i; i < TRADERS; ++i) {
            if (traders[i] == t.trader) key = keys[i];
        }
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(t, tokens));
        return abi.encodePacked(r, s, v);
    }

    function _root(bytes32[] memory leaves, bool wrong) internal pure returns (bytes32) {
        bytes32[] memory copy = new bytes32[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            copy[i] = leaves[i];
        }
        if (wrong) copy[0] = keccak256(abi.encode(copy[0]));
        return MerkleLib.root(copy);
    }
}

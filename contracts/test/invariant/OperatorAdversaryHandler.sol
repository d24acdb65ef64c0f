// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../../src/VeilSettlement.sol";
import {PoolSwap, Trade as TradeData} from "../../src/SettlementTypes.sol";
import {MerkleLib} from "../../src/libraries/MerkleLib.sol";
import {OrderLib} from "../../src/libraries/OrderLib.sol";
import {V2SwapLib} from "../../src/libraries/V2SwapLib.sol";
import {IUniswapV2Pair} from "../../src/interfaces/IUniswapV2Pair.sol";
import {TestToken} from "../utils/tokens/TestToken.sol";
import {vm} from "../utils/Vm.sol";

/// @notice A rogue operator (issue 12) against commit-mode traders. Traders commit leaves; the operator commits
///         them in a batch at once; a trader reveals its order only once the head is past its signed `commitBy`
///         (the order v2 client rule). From then on the operator knows the order and may: settle honestly, skip
///         it (settle its batch without it), re-commit it in a new batch next to a counter-order written after
///         the reveal (with the trader's salt or its own), or trade on the pool in the same block before settling.
///         Records a violation whenever an order executes in any batch but the one it was revealed for, a trader
///         receives (by balance) less than its limit, or a settle succeeds after a same-block pool trade.
contract OperatorAdversaryHandler {
    uint256 internal constant TRADERS = 3;
    uint256 internal constant OPERATOR_TRADER_KEY = 0x0BAD;

    VeilSettlement public immutable settlement;
    TestToken public immutable tokenA;
    TestToken public immutable tokenB;
    address public immutable pair;
    address public immutable operator;
    address public immutable operatorTrader;
    uint256[TRADERS] internal keys;
    address[TRADERS] public traders;

    /// @dev An honest trader's commit-mode order; `batchId` is the batch its leaf was committed (and revealed) in.
    struct Rec {
        TradeData t;
        uint256 batchId;
        bool revealed;
        bool executed;
    }

    /// @dev A batch holding honest orders: its committed leaves and which `orders` sit where.
    struct BatchRec {
        uint256 id;
        bytes32[] leaves;
        uint256[] orderIdx;
        bool settled;
    }

    Rec[] internal orders;
    BatchRec[] internal batches;
    uint256 internal nextNonce = 1;

    uint256 public violations;
    uint256 public honestSettles;
    uint256 public skips;
    uint256 public recommitAttacks;
    uint256 public recommitsRefusedByDeadline;
    uint256 public poolAttacks;
    uint256 public poolAttacksRefused;
    uint256 public executedOrders;
    /// @dev Why the last refused settle reverted (for debugging a failing run).
    bytes public lastRevert;

    constructor(VeilSettlement s, TestToken a, TestToken b, address p, address op, uint256[TRADERS] memory k) {
        (settlement, tokenA, tokenB, pair, operator, keys) = (s, a, b, p, op, k);
        for (uint256 i; i < TRADERS; ++i) {
            traders[i] = vm.addr(k[i]);
        }
        operatorTrader = vm.addr(OPERATOR_TRADER_KEY);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          ACTIONS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice 1-3 traders commit A-for-B orders (commitBy = now + 0..2); the operator commits them at once, with
    ///         a decoy leaf.
    function commitOrders(uint256 seed, uint8 slack) external {
        uint256 n = 1 + seed % TRADERS;
        uint256[] memory amounts = new uint256[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            amounts[i] = 1e18 + uint256(keccak256(abi.encode(seed, i))) % 50e18;
            total += amounts[i];
        }
        uint256 quote = _quote(total);
        BatchRec storage b = batches.push();
        b.leaves = new bytes32[](n + 1);
        for (uint256 i; i < n; ++i) {
            TradeData memory t;
            t.leafIndex = uint32(i);
            (t.sellTokenIndex, t.buyTokenIndex) = (0, 1);
            t.trader = traders[i];
            t.sellAmount = amounts[i];
            t.minBuyAmount = quote * amounts[i] / total * 95 / 100;
            t.nonce = nextNonce++;
            t.validTo = uint64(block.timestamp + 1 hours);
            t.commitBy = uint64(block.number + slack % 3);
            t.salt = keccak256(abi.encode("salt", t.nonce));
            t.signature = _sign(keys[i], t);
            b.leaves[i] = OrderLib.leaf(_digest(t), t.salt);
            b.orderIdx.push(orders.length);
            Rec storage r = orders.push();
            r.t = t;
        }
        b.leaves[n] = keccak256(abi.encode("decoy", nextNonce));
        vm.prank(operator);
        b.id = settlement.commit(_root(b.leaves), uint32(n + 1));
        for (uint256 i; i < n; ++i) {
            orders[b.orderIdx[i]].batchId = b.id;
        }
    }

    /// @notice 1-4 blocks pass (12 s each); traders whose `commitBy` is behind the head reveal.
    function advance(uint8 blocks) external {
        uint256 k = 1 + blocks % 4;
        vm.roll(block.number + k);
        vm.warp(block.timestamp + 12 * k);
        _reveal();
    }

    /// @notice The operator settles a batch with every revealed order, at the pool's price.
    function settleHonest(uint256 batchSeed) external {
        if (batches.length == 0) return;
        _reveal();
        BatchRec storage b = batches[batchSeed % batches.length];
        if (b.settled) return;
        (TradeData[] memory trades, bytes32[] memory leaves, uint256[] memory idx) = _revealedTrades(b);
        if (_settle(b.id, leaves, trades)) {
            honestSettles++;
            b.settled = true;
            _executed(b.id, idx);
        }
    }

    /// @notice The operator settles a batch with none of its orders (each passed as an unexecuted leaf).
    function skip(uint256 batchSeed) external {
        if (batches.length == 0) return;
        BatchRec storage b = batches[batchSeed % batches.length];
        if (b.settled) return;
        vm.prank(operator);
        try settlement.settle(b.id, b.leaves, new address[](0), new uint256[](0), new TradeData[](0), new PoolSwap[](0)) {
            skips++;
            b.settled = true;
        } catch (bytes memory reason) {
            lastRevert = reason;
        }
    }

    /// @notice F1: a revealed, unexecuted order re-committed in a new batch beside the operator's counter-order,
    ///         written after the reveal, filling the trader at exactly its limit; with the trader's salt or one
    ///         the operator picked.
    function recommit(uint256 orderSeed, bool ownSalt) external {
        _reveal();
        (bool found, uint256 k) = _pickRevealed(orderSeed);
        if (!found) return;
        TradeData[] memory trades = new TradeData[](2);
        trades[0] = orders[k].t;
        if (ownSalt) trades[0].salt = keccak256(abi.encode("operator's salt", orderSeed));
        trades[1] = _counterOrder(trades[0]);
        bytes32[] memory committed = new bytes32[](2);
        committed[0] = OrderLib.leaf(_digest(trades[0]), trades[0].salt);
        committed[1] = OrderLib.leaf(_digest(trades[1]), trades[1].salt);
        vm.prank(operator);
        uint256 id = settlement.commit(_root(committed), 2);
        vm.roll(block.number + settlement.revealDelay());
        vm.warp(block.timestamp + 12 * settlement.revealDelay());
        recommitAttacks++;
        uint256[] memory prices = new uint256[](2);
        (prices[0], prices[1]) = (trades[0].minBuyAmount, trades[0].sellAmount);
        uint256 before = tokenB.balanceOf(trades[0].trader);
        vm.prank(operator);
        try settlement.settle(id, new bytes32[](2), _tokens(), prices, trades, new PoolSwap[](0)) {
            violations++; // executed outside the batch it was revealed for
            orders[k].executed = true;
            if (tokenB.balanceOf(trades[0].trader) - before < trades[0].minBuyAmount) violations++;
        } catch (bytes memory reason) {
            lastRevert = reason;
            if (bytes4(reason) == VeilSettlement.CommitDeadlinePassed.selector) recommitsRefusedByDeadline++;
        }
    }

    /// @notice F2: the operator buys B on the pair, then settles a batch at the moved price in the same block,
    ///         then sells back.
    function poolTradeThenSettle(uint256 batchSeed, uint256 amount) external {
        if (batches.length == 0) return;
        _reveal();
        BatchRec storage b = batches[batchSeed % batches.length];
        if (b.settled) return;
        (TradeData[] memory trades, bytes32[] memory leaves, uint256[] memory idx) = _revealedTrades(b);
        if (trades.length == 0) return;
        amount = 1e18 + amount % 20_000e18;
        tokenA.mint(operator, amount);
        uint256 boughtB = _poolSwap(address(tokenA), amount);
        poolAttacks++;
        if (_settle(b.id, leaves, trades)) {
            violations++; // settled against a pair moved earlier in its own block
            b.settled = true;
            _executed(b.id, idx);
        } else if (bytes4(lastRevert) == V2SwapLib.PoolTouchedThisBlock.selector) {
            poolAttacksRefused++;
        }
        _poolSwap(address(tokenB), boughtB);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          HELPERS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Every order whose `commitBy` is behind the head reveals (for the batch its leaf was committed in).
    function _reveal() internal {
        for (uint256 k; k < orders.length; ++k) {
            Rec storage r = orders[k];
            if (!r.revealed && block.number > r.t.commitBy) r.revealed = true;
        }
    }

    /// @dev The first revealed, unexecuted order at or after `seed` (mod count).
    function _pickRevealed(uint256 seed) internal view returns (bool found, uint256 k) {
        uint256 n = orders.length;
        for (uint256 j; j < n; ++j) {
            k = (seed % n + j) % n;
            if (orders[k].revealed && !orders[k].executed) return (true, k);
        }
    }

    /// @dev Batch `b`'s revealed orders as trades; their slots zero, every other committed leaf passed.
    function _revealedTrades(BatchRec storage b)
        internal
        view
        returns (TradeData[] memory trades, bytes32[] memory leaves, uint256[] memory idx)
    {
        uint256 count;
        for (uint256 i; i < b.orderIdx.length; ++i) {
            Rec storage r = orders[b.orderIdx[i]];
            if (r.revealed && !r.executed) count++;
        }
        trades = new TradeData[](count);
        idx = new uint256[](count);
        leaves = b.leaves;
        uint256 j;
        for (uint256 i; i < b.orderIdx.length; ++i) {
            Rec storage r = orders[b.orderIdx[i]];
            if (!r.revealed || r.executed) continue;
            trades[j] = r.t;
            idx[j++] = b.orderIdx[i];
            leaves[r.t.leafIndex] = bytes32(0);
        }
    }

    /// @dev Settles `trades` (all selling A) with the whole amount swapped on the pair at its current price;
    ///      checks every trader's balance change against its limit.
    function _settle(uint256 id, bytes32[] memory leaves, TradeData[] memory trades) internal returns (bool ok) {
        uint256 total;
        for (uint256 i; i < trades.length; ++i) {
            total += trades[i].sellAmount;
        }
        uint256[] memory prices = new uint256[](2);
        PoolSwap[] memory swaps = new PoolSwap[](trades.length > 0 ? 1 : 0);
        if (trades.length > 0) {
            uint256 out = _quote(total);
            (prices[0], prices[1]) = (out, total);
            swaps[0] = PoolSwap(pair, address(tokenA), total, out);
        } else {
            (prices[0], prices[1]) = (1, 1);
        }
        uint256[] memory before = new uint256[](trades.length);
        for (uint256 i; i < trades.length; ++i) {
            before[i] = tokenB.balanceOf(trades[i].trader);
        }
        vm.prank(operator);
        try settlement.settle(id, leaves, _tokens(), prices, trades, swaps) {
            ok = true;
            for (uint256 i; i < trades.length; ++i) {
                if (tokenB.balanceOf(trades[i].trader) - before[i] < trades[i].minBuyAmount) violations++;
            }
        } catch (bytes memory reason) {
            lastRevert = reason;
        }
    }

    /// @dev Marks the orders executed in batch `id`; any of them revealed for another batch is a violation.
    function _executed(uint256 id, uint256[] memory idx) internal {
        for (uint256 i; i < idx.length; ++i) {
            Rec storage r = orders[idx[i]];
            if (r.executed || r.batchId != id) violations++;
            r.executed = true;
            executedOrders++;
        }
    }

    /// @dev The operator's own order taking the other side of `t` at exactly `t`'s limit, signed now.
    function _counterOrder(TradeData memory t) internal returns (TradeData memory c) {
        c.leafIndex = 1;
        (c.sellTokenIndex, c.buyTokenIndex) = (1, 0);
        c.trader = operatorTrader;
        c.sellAmount = t.minBuyAmount;
        c.minBuyAmount = t.sellAmount;
        c.nonce = nextNonce++;
        c.validTo = uint64(block.timestamp + 1 hours);
        c.commitBy = uint64(block.number);
        c.salt = keccak256(abi.encode("counter", c.nonce));
        c.signature = _sign(OPERATOR_TRADER_KEY, c);
    }

    function _poolSwap(address tokenIn, uint256 amountIn) internal returns (uint256 out) {
        IUniswapV2Pair p = IUniswapV2Pair(pair);
        (uint112 r0, uint112 r1,) = p.getReserves();
        bool zeroForOne = tokenIn == p.token0();
        out = zeroForOne ? V2SwapLib.getAmountOut(amountIn, r0, r1) : V2SwapLib.getAmountOut(amountIn, r1, r0);
        vm.prank(operator);
        TestToken(tokenIn).transfer(pair, amountIn);
        vm.prank(operator);
        p.swap(zeroForOne ? 0 : out, zeroForOne ? out : 0, operator, "");
    }

    function _quote(uint256 amountA) internal view returns (uint256) {
        (uint112 r0, uint112 r1,) = IUniswapV2Pair(pair).getReserves();
        (uint256 ra, uint256 rb) = IUniswapV2Pair(pair).token0() == address(tokenA) ? (r0, r1) : (r1, r0);
        return V2SwapLib.getAmountOut(amountA, ra, rb);
    }

    function _tokens() internal view returns (address[] memory tokens) {
        tokens = new address[](2);
        (tokens[0], tokens[1]) = (address(tokenA), address(tokenB));
    }

    function _digest(TradeData memory t) internal view returns (bytes32) {
        address[] memory tokens = _tokens();
        return OrderLib.hash(
            OrderLib.Order(
                t.trader,
                tokens[t.sellTokenIndex],
                tokens[t.buyTokenIndex],
                t.sellAmount,
                t.minBuyAmount,
                t.nonce,
                t.validTo,
                t.commitBy,
                t.feeAmount
            ),
            settlement.domainSeparator()
        );
    }

    function _sign(uint256 key, TradeData memory t) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(t));
        return abi.encodePacked(r, s, v);
    }

    function _root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory copy = new bytes32[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            copy[i] = leaves[i];
        }
        return MerkleLib.root(copy);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../src/VeilSettlement.sol";
import {BatchTransferLib} from "../src/libraries/BatchTransferLib.sol";
import {PoolSwap, Trade as TradeData} from "../src/SettlementTypes.sol";
import {V2SwapLib} from "../src/libraries/V2SwapLib.sol";
import {Helper} from "./utils/Helper.sol";
import {IUniswapV2PairFull} from "./utils/IUniswapV2.sol";
import {TestToken} from "./utils/tokens/TestToken.sol";
import {vm} from "./utils/Vm.sol";

/// @notice Each check of `settle` on a batch that would otherwise settle and balance: without the check the
///         call would succeed and move tokens. The tests in VeilSettlementSettle.t.sol pin each check's error
///         selector, but several of their batches also break another rule (a wrong signature, an empty
///         balance), so deleting the check there only swaps one revert for another. Here every test asserts
///         the refusal AND that no balance, nonce or batch state moved (issue 20, mutation testing).
contract VeilSettlementRefusalsTest is Helper {
    /// @dev Balances of the parties a batch can touch, to compare before and after a refused settle.
    struct Snapshot {
        uint256[9] v;
    }

    function _snapshot(address other) internal view returns (Snapshot memory s) {
        address[4] memory who = [trader1, trader2, address(settlement), pair];
        for (uint256 i; i < 4; ++i) {
            s.v[i] = tokenA.balanceOf(who[i]);
            s.v[4 + i] = tokenB.balanceOf(who[i]);
        }
        if (other != address(0)) s.v[8] = TestToken(other).balanceOf(address(settlement));
    }

    /// @dev The refused settle left every balance, the batch and the traders' nonces as they were.
    function _assertNothingMoved(Batch memory b, Snapshot memory before, address other) internal view {
        Snapshot memory afterwards = _snapshot(other);
        for (uint256 i; i < 9; ++i) {
            assertEq(afterwards.v[i], before.v[i], "a balance moved in a refused settle");
        }
        (,,, bool settled,) = settlement.batches(b.batchId);
        assertTrue(!settled, "refused batch marked settled");
        for (uint256 i; i < b.trades.length; ++i) {
            assertTrue(!settlement.isNonceUsed(b.trades[i].trader, b.trades[i].nonce), "nonce used by a refused settle");
        }
    }

    /// @dev Settles `b` expecting `reason`, and checks nothing moved.
    function _refuse(Batch memory b, bytes memory reason, address other) internal {
        Snapshot memory before = _snapshot(other);
        vm.expectRevert(reason);
        _settle(b);
        _assertNothingMoved(b, before, other);
    }

    /// @dev trader1 alone sells 100 A for >= `minBuy` B, paid `buy` B; the A goes to `swapPair` (95 A) and the
    ///      rest stays as surplus. Committed with one unexecuted leaf; balanced whenever `buy` <= the pool's
    ///      output.
    function _oneSidedBatch(uint256 minBuy, uint256 buy, address swapPair) internal returns (Batch memory b) {
        b.tokens = _tokensAB();
        b.trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](2);
        (b.trades[0], committed[0]) =
            _trade(TRADER1_KEY, _order(trader1, address(tokenA), address(tokenB), 100e18, minBuy, 11), 0, b.tokens);
        committed[1] = keccak256("an unexecuted order");
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](2);
        b.leaves[1] = committed[1];
        b.prices = _prices(buy, 100e18); // 100e18 A * buy / 100e18 = buy B
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(swapPair, address(tokenA), 95e18, 0);
    }

    /// @dev The control for the batches above: the same one-sided batch settles.
    function test_oneSidedBatchSettles() public {
        uint256 out = V2SwapLib.getAmountOut(95e18, POOL_LIQUIDITY, POOL_LIQUIDITY);
        Batch memory b = _oneSidedBatch(90e18, 94e18, pair);
        assertTrue(out >= 94e18, "pool pays enough");
        uint256 before = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(tokenB.balanceOf(trader1), before + 94e18, "paid");
    }

    /// @notice LimitNotMet: the pool's output would cover 98 B, but the trader asked for >= 99.
    function test_RevertWhen_LimitNotMetInABalancedBatch() public {
        Batch memory b = _oneSidedBatch(99e18, 98e18, pair);
        _refuse(b, abi.encodeWithSelector(VeilSettlement.LimitNotMet.selector, 0, 98e18, 99e18), address(0));
    }

    /// @notice PoolNotAllowed: a real A/B pair, just not allow-listed.
    function test_RevertWhen_SwapUsesARealPairNotAllowListed() public {
        address other = _deployPair(address(tokenA), address(tokenB), POOL_LIQUIDITY, POOL_LIQUIDITY);
        Batch memory b = _oneSidedBatch(90e18, 94e18, other);
        (uint112 r0, uint112 r1,) = IUniswapV2PairFull(other).getReserves();
        _refuse(b, abi.encodeWithSelector(BatchTransferLib.PoolNotAllowed.selector, other), address(0));
        (uint112 s0, uint112 s1,) = IUniswapV2PairFull(other).getReserves();
        assertTrue(r0 == s0 && r1 == s1, "the pair that is not allowed was not traded");
    }

    /// @notice TokenNotInBatch (output): the batch's surplus A swapped into a token outside the batch.
    function test_RevertWhen_SurplusSwappedIntoTokenOutsideTheBatch() public {
        TestToken c = new TestToken("C");
        address pairAC = _deployPair(address(tokenA), address(c), 1000e18, 1000e18);
        vm.prank(owner);
        settlement.setPool(pairAC, true);
        Batch memory b = _oneSidedBatch(90e18, 94e18, pair);
        PoolSwap[] memory swaps = new PoolSwap[](2);
        swaps[0] = b.swaps[0];
        swaps[1] = PoolSwap(pairAC, address(tokenA), 5e18, 0); // the 5 A left over -> C
        b.swaps = swaps;
        _refuse(b, abi.encodeWithSelector(BatchTransferLib.TokenNotInBatch.selector, address(c)), address(c));
    }

    /// @notice TokenNotInBatch (input): a swap spending the contract's stray C for a batch token.
    function test_RevertWhen_SwapSpendsStrayTokenOutsideTheBatch() public {
        TestToken c = new TestToken("C");
        address pairAC = _deployPair(address(tokenA), address(c), 1000e18, 1000e18);
        vm.prank(owner);
        settlement.setPool(pairAC, true);
        c.mint(address(settlement), 10e18);
        Batch memory b = _crossingBatch();
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pairAC, address(c), 10e18, 0);
        _refuse(b, abi.encodeWithSelector(BatchTransferLib.TokenNotInBatch.selector, address(c)), address(c));
    }

    /// @notice PriceCountMismatch with more prices than tokens (fewer would fail on the array bound anyway).
    function test_RevertWhen_PricesOutnumberTokens() public {
        Batch memory b = _crossingBatch();
        uint256[] memory prices = new uint256[](3);
        prices[0] = prices[1] = prices[2] = UNIT;
        b.prices = prices;
        _refuse(b, abi.encodeWithSelector(VeilSettlement.PriceCountMismatch.selector, 2, 3), address(0));
    }

    /// @notice ZeroPrice: a sell token priced at zero would take an order with no limit for nothing.
    function test_RevertWhen_ZeroPriceWouldTakeASellForNothing() public {
        Batch memory b;
        b.tokens = _tokensAB();
        b.trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (b.trades[0], committed[0]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 0, 12), 0, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](1);
        b.prices = _prices(UNIT, 0);
        _refuse(b, abi.encodeWithSelector(VeilSettlement.ZeroPrice.selector, address(tokenB)), address(0));
    }

    /// @notice DuplicateToken: a token listed twice, even when no trade refers to the second entry.
    function test_RevertWhen_TokenListedTwiceButUnused() public {
        Batch memory b = _crossingBatch();
        address[] memory tokens = new address[](3);
        (tokens[0], tokens[1], tokens[2]) = (address(tokenA), address(tokenB), address(tokenA));
        uint256[] memory prices = new uint256[](3);
        prices[0] = prices[1] = prices[2] = UNIT;
        (b.tokens, b.prices) = (tokens, prices);
        _refuse(b, abi.encodeWithSelector(VeilSettlement.DuplicateToken.selector, address(tokenA)), address(0));
    }

    /// @notice InvalidTokenIndex: an order signed to sell and buy the same token.
    function test_RevertWhen_SignedOrderSellsAndBuysOneToken() public {
        Batch memory b;
        b.tokens = _tokensAB();
        b.prices = _prices(UNIT, UNIT);
        b.trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (b.trades[0], committed[0]) =
            _trade(TRADER1_KEY, _order(trader1, address(tokenA), address(tokenA), 100e18, 99e18, 13), 0, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](1);
        _refuse(b, abi.encodeWithSelector(VeilSettlement.InvalidTokenIndex.selector, 0), address(0));
    }

    /// @notice LeafIndexTaken: an uncommitted order put in a slot that a committed trade then overwrites would
    ///         leave the root intact while executing an order nobody committed.
    function test_RevertWhen_UncommittedTradeSharesACommittedSlot() public {
        Batch memory b = _crossingBatch();
        (TradeData memory uncommitted,) =
            _trade(TRADER1_KEY, _order(trader1, address(tokenA), address(tokenB), 100e18, 99e18, 14), 2, b.tokens);
        // Commit only trader2's leaf (slot 0) and one unexecuted leaf; trader1's order is not in the tree.
        bytes32[] memory committed = new bytes32[](2);
        (b.trades[1], committed[0]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 99e18, 2), 0, b.tokens);
        committed[1] = keccak256("an unexecuted order");
        b.batchId = _commit(committed);
        uncommitted.leafIndex = 0;
        b.trades[0] = uncommitted;
        b.leaves = new bytes32[](2);
        b.leaves[1] = committed[1];
        _refuse(b, abi.encodeWithSelector(VeilSettlement.LeafIndexTaken.selector, 1), address(0));
    }

    /// @notice LeafCountMismatch: the two-leaf root passed as a one-leaf tree (a one-leaf root is the leaf).
    function test_RevertWhen_RootPassedAsTheOnlyLeaf() public {
        bytes32[] memory committed = new bytes32[](2);
        committed[0] = keccak256("leaf 0");
        committed[1] = keccak256("leaf 1");
        Batch memory b;
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](1);
        b.leaves[0] = _root(committed);
        _refuse(b, abi.encodeWithSelector(VeilSettlement.LeafCountMismatch.selector, 2, 1), address(0));
    }

    /// @notice BatchAlreadySettled: a batch with no trades (every order dropped) settles once only.
    function test_RevertWhen_TradelessBatchSettledTwice() public {
        bytes32[] memory committed = new bytes32[](2);
        committed[0] = keccak256("leaf 0");
        committed[1] = keccak256("leaf 1");
        Batch memory b;
        b.batchId = _commit(committed);
        b.leaves = committed;
        _settle(b);
        (,,, bool settled,) = settlement.batches(b.batchId);
        assertTrue(settled, "settled once");
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.BatchAlreadySettled.selector, b.batchId));
        _settle(b);
    }
}

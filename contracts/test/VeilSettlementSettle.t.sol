// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../src/VeilSettlement.sol";
import {BatchTransferLib} from "../src/libraries/BatchTransferLib.sol";
import {PoolSwap, Trade as TradeData} from "../src/SettlementTypes.sol";
import {OrderLib} from "../src/libraries/OrderLib.sol";
import {SignatureLib} from "../src/libraries/SignatureLib.sol";
import {Helper} from "./utils/Helper.sol";
import {vm} from "./utils/Vm.sol";

/// @notice settle: the happy path at uniform prices and every way a batch is refused.
contract VeilSettlementSettleTest is Helper {
    event Trade(
        uint256 indexed batchId, address indexed trader, bytes32 orderDigest, uint256 sellAmount, uint256 buyAmount
    );
    event BatchSettled(uint256 indexed batchId, uint256 tradeCount);

    function test_settlesAtUniformPrice() public {
        Batch memory b = _crossingBatch();
        b.prices = _prices(3e18, 2e18); // 1 A = 1.5 B
        b.trades[0] = _retrade(TRADER1_KEY, b.trades[0], b.tokens, 40e18, 59e18); // 40 A -> 60 B
        b.trades[1] = _retrade(TRADER2_KEY, b.trades[1], b.tokens, 60e18, 39e18); // 60 B -> 40 A
        _recommit(b);
        uint256 a1 = tokenA.balanceOf(trader1);
        uint256 b1 = tokenB.balanceOf(trader1);
        uint256 a2 = tokenA.balanceOf(trader2);
        vm.expectEmit(true, true, false, true);
        emit Trade(b.batchId, trader1, _digestOf(b.trades[0], b.tokens), 40e18, 60e18);
        vm.expectEmit(true, false, false, true);
        emit BatchSettled(b.batchId, 2);
        _settle(b);
        assertEq(tokenA.balanceOf(trader1), a1 - 40e18, "trader1 sold A");
        assertEq(tokenB.balanceOf(trader1), b1 + 60e18, "trader1 bought B at 1.5");
        assertEq(tokenA.balanceOf(trader2), a2 + 40e18, "trader2 bought A at 1/1.5");
        assertTrue(settlement.isNonceUsed(trader1, 1) && settlement.isNonceUsed(trader2, 2), "nonces used");
        (,,, bool settled,) = settlement.batches(b.batchId);
        assertTrue(settled, "batch settled");
    }

    function test_settlesResidualAgainstUniswapV2() public {
        Batch memory b = _crossingBatch();
        // Only trader1 trades: 100 A -> B entirely through the real V2 pair.
        TradeData[] memory one = new TradeData[](1);
        one[0] = b.trades[0];
        b.trades = one;
        b.leaves[2] = keccak256("unexecuted"); // trader2's slot now holds an unexecuted leaf
        bytes32[] memory committed = new bytes32[](3);
        committed[0] = OrderLib.leaf(_digestOf(b.trades[0], b.tokens), b.trades[0].salt);
        committed[1] = b.leaves[1];
        committed[2] = b.leaves[2];
        b.batchId = _commit(committed);
        uint256 out = 100e18 * 997 * POOL_LIQUIDITY / (POOL_LIQUIDITY * 1000 + 100e18 * 997);
        b.prices = _prices(out, 100e18); // buy = 100e18 * out / 100e18 = out
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(tokenA), 100e18, out);
        uint256 before = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(tokenB.balanceOf(trader1), before + out, "trader1 got the pool's output");
        assertEq(tokenA.balanceOf(address(settlement)), 0, "no A left behind");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        REVERT PATHS                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_RevertWhen_CallerIsNotOperator() public {
        Batch memory b = _crossingBatch();
        vm.prank(trader1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NotOperator.selector, trader1));
        settlement.settle(b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps);
    }

    function test_RevertWhen_BatchUnknown() public {
        Batch memory b = _crossingBatch();
        b.batchId = 7;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.UnknownBatch.selector, 7));
        _settle(b);
    }

    function test_RevertWhen_BatchAlreadySettled() public {
        Batch memory b = _crossingBatch();
        _settle(b);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.BatchAlreadySettled.selector, b.batchId));
        _settle(b);
    }

    function test_RevertWhen_RevealDelayNotPassed() public {
        Batch memory b = _crossingBatch();
        vm.roll(block.number - 1);
        vm.expectRevert(
            abi.encodeWithSelector(VeilSettlement.RevealDelayNotPassed.selector, b.batchId, block.number + 1)
        );
        _settle(b);
    }

    function test_RevertWhen_BatchExpired() public {
        Batch memory b = _crossingBatch();
        uint256 lastBlock = block.number - REVEAL_DELAY + EXPIRY;
        vm.roll(lastBlock + 1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.BatchExpired.selector, b.batchId, lastBlock));
        _settle(b);
    }

    function test_settlesOnLastBlockOfWindow() public {
        Batch memory b = _crossingBatch();
        vm.roll(block.number - REVEAL_DELAY + EXPIRY);
        _settle(b);
    }

    function test_RevertWhen_LeafCountMismatch() public {
        Batch memory b = _crossingBatch();
        b.leaves = new bytes32[](4);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LeafCountMismatch.selector, 3, 4));
        _settle(b);
    }

    function test_RevertWhen_PriceCountMismatch() public {
        Batch memory b = _crossingBatch();
        b.prices = new uint256[](1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.PriceCountMismatch.selector, 2, 1));
        _settle(b);
    }

    function test_RevertWhen_TokenListedTwice() public {
        Batch memory b = _crossingBatch();
        b.tokens[1] = address(tokenA);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.DuplicateToken.selector, address(tokenA)));
        _settle(b);
    }

    function test_RevertWhen_PriceIsZero() public {
        Batch memory b = _crossingBatch();
        b.prices[1] = 0;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.ZeroPrice.selector, address(tokenB)));
        _settle(b);
    }

    function test_RevertWhen_TokenIndexOutOfRange() public {
        Batch memory b = _crossingBatch();
        b.trades[1].buyTokenIndex = 2;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidTokenIndex.selector, 1));
        _settle(b);
    }

    function test_RevertWhen_TradeSellsAndBuysSameToken() public {
        Batch memory b = _crossingBatch();
        b.trades[0].buyTokenIndex = 0;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidTokenIndex.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_LeafIndexOutOfRange() public {
        Batch memory b = _crossingBatch();
        b.trades[1].leafIndex = 3;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LeafIndexOutOfRange.selector, 1));
        _settle(b);
    }

    function test_RevertWhen_TwoTradesShareALeafIndex() public {
        Batch memory b = _crossingBatch();
        b.trades[1].leafIndex = 0;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LeafIndexTaken.selector, 1));
        _settle(b);
    }

    function test_RevertWhen_TradeLeafSlotNotZero() public {
        Batch memory b = _crossingBatch();
        b.trades[0].leafIndex = 1; // the slot of the unexecuted leaf
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LeafIndexTaken.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_OrderExpired() public {
        Batch memory b = _crossingBatch();
        vm.warp(b.trades[1].validTo + 1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.OrderExpired.selector, 0));
        _settle(b);
    }

    /// @dev F1's rule at its boundary: committed in the `commitBy` block itself, the order settles.
    function test_settlesWhenCommittedInTheCommitByBlock() public {
        Batch memory b = _commitByBatch(uint64(block.number));
        uint256 before = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(tokenB.balanceOf(trader1), before + 100e18, "trader1 filled");
    }

    /// @dev One block later than `commitBy`, the batch cannot take the order (nor, so, the whole batch).
    function test_RevertWhen_CommittedAfterCommitBy() public {
        Batch memory b = _commitByBatch(uint64(block.number - 1));
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.CommitDeadlinePassed.selector, 0));
        _settle(b);
    }

    /// @dev Dirty high bits in `commitBy` are refused as a bad signature before any hashing.
    function test_RevertWhen_CommitByHasDirtyHighBits() public {
        Batch memory b = _crossingBatch();
        bytes memory data = abi.encodeCall(settlement.settle, (b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps));
        // trades[0].commitBy word: 4 + 6 head words, trades offset -> array length, element offsets, tuple head.
        uint256 tradesAt = 4 + uint256(bytes32(_slice32(data, 4 + 4 * 32)));
        uint256 firstTrade = tradesAt + 32 + uint256(bytes32(_slice32(data, tradesAt + 32)));
        uint256 word = firstTrade + 8 * 32;
        data[word] = 0x01; // highest byte of the word: commitBy >> 64 != 0
        vm.prank(operator);
        (bool ok, bytes memory ret) = address(settlement).call(data);
        assertTrue(!ok, "refused");
        assertEq(
            keccak256(ret), keccak256(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0)), "InvalidSignature(0)"
        );
    }

    /// @dev F4: another allow-listed operator cannot settle (or burn) a batch it did not commit.
    function test_RevertWhen_AnotherOperatorSettles() public {
        address operator2 = _labelled(0x10, "operator2");
        vm.prank(owner);
        settlement.setOperator(operator2, true);
        Batch memory b = _crossingBatch();
        vm.prank(operator2);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NotBatchOperator.selector, b.batchId, operator2));
        settlement.settle(b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps);
        _settle(b); // the committing operator still can
    }

    /// @dev No hand-over: a revoked operator's batch cannot be settled by anyone and expires.
    function test_RevertWhen_CommittingOperatorWasRevoked() public {
        Batch memory b = _crossingBatch();
        vm.prank(owner);
        settlement.setOperator(operator, false);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NotOperator.selector, operator));
        _settle(b);
    }

    /// @dev I2: shrinking the window after commit neither expires the batch nor lets it settle early.
    function test_windowChangeDoesNotTouchACommittedBatch() public {
        Batch memory b = _crossingBatch();
        vm.roll(block.number - REVEAL_DELAY); // back to the commit block
        vm.prank(owner);
        settlement.setWindow(0, 1);
        vm.expectRevert(
            abi.encodeWithSelector(VeilSettlement.RevealDelayNotPassed.selector, b.batchId, block.number + REVEAL_DELAY)
        );
        _settle(b); // a zero delay set later does not open the batch early
        vm.roll(block.number + EXPIRY); // past the new expiry (1), at the batch's own last block
        _settle(b);
    }

    /// @dev I2: lengthening the window after commit does not keep a batch open past its own expiry.
    function test_RevertWhen_WindowLengthenedAfterCommit() public {
        Batch memory b = _crossingBatch();
        vm.prank(owner);
        settlement.setWindow(REVEAL_DELAY, 1000);
        vm.roll(block.number - REVEAL_DELAY + EXPIRY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(VeilSettlement.BatchExpired.selector, b.batchId, block.number - 1)
        );
        _settle(b);
    }

    function test_RevertWhen_SignedByAnotherKey() public {
        Batch memory b = _crossingBatch();
        b.trades[0].signature = b.trades[1].signature;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_OrderFieldChangedAfterSigning() public {
        Batch memory b = _crossingBatch();
        b.trades[1].minBuyAmount -= 1;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 1));
        _settle(b);
    }

    function test_RevertWhen_SignatureHasHighS() public {
        Batch memory b = _crossingBatch();
        b.trades[0].signature = _malleate(b.trades[0].signature);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_SignatureHasBadV() public {
        Batch memory b = _crossingBatch();
        bytes memory sig = b.trades[0].signature;
        sig[64] = bytes1(uint8(sig[64]) - 27); // v as 0/1
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_SignatureTooShort() public {
        Batch memory b = _crossingBatch();
        b.trades[0].signature = new bytes(64);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_NonceInvalidatedByTrader() public {
        Batch memory b = _crossingBatch();
        vm.prank(trader2);
        settlement.invalidateNonces(0, 1 << 2);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NonceUsed.selector, trader2, 2));
        _settle(b);
    }

    function test_RevertWhen_OrderReplayedInLaterBatch() public {
        Batch memory b = _crossingBatch();
        _settle(b);
        bytes32[] memory committed = new bytes32[](3);
        committed[0] = OrderLib.leaf(_digestOf(b.trades[0], b.tokens), b.trades[0].salt);
        committed[1] = b.leaves[1];
        (, committed[2]) = _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 99e18, 2), 2, b.tokens);
        b.batchId = _commit(committed);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NonceUsed.selector, trader1, 1));
        _settle(b);
    }

    function test_RevertWhen_LimitNotMet() public {
        Batch memory b = _crossingBatch();
        b.prices = _prices(UNIT, UNIT + UNIT / 50); // A buys only 0.98 B per A
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LimitNotMet.selector, 0, 98039215686274509803, 99e18));
        _settle(b);
    }

    function test_RevertWhen_RootDoesNotMatch() public {
        Batch memory b = _crossingBatch();
        b.leaves[1] = keccak256("a different unexecuted leaf");
        vm.expectRevert(); // RootMismatch(committed, computed): the computed root is not worth restating here
        _settle(b);
    }

    function test_RevertWhen_CommittedTradeIsLeftOutButPlaceholderStays() public {
        Batch memory b = _crossingBatch();
        TradeData[] memory one = new TradeData[](1);
        one[0] = b.trades[0];
        b.trades = one; // trader2's placeholder stays bytes32(0): the root cannot match
        vm.expectRevert();
        _settle(b);
    }

    function test_RevertWhen_PoolNotAllowed() public {
        Batch memory b = _crossingBatch();
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(address(0xBEEF), address(tokenA), 1, 0);
        vm.expectRevert(abi.encodeWithSelector(BatchTransferLib.PoolNotAllowed.selector, address(0xBEEF)));
        _settle(b);
    }

    function test_RevertWhen_SwapTokenNotInBatch() public {
        Batch memory b = _crossingBatch();
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(0xCAFE), 1, 0);
        vm.expectRevert(abi.encodeWithSelector(BatchTransferLib.TokenNotInBatch.selector, address(0xCAFE)));
        _settle(b);
    }

    function test_RevertWhen_SwapOutputBelowMinimum() public {
        Batch memory b = _crossingBatch();
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(tokenA), 1e18, 1e18);
        vm.expectRevert(); // V2SwapLib.InsufficientOutput(pair, amountOut, 1e18)
        _settle(b);
    }

    function test_RevertWhen_BatchWouldLoseTokens() public {
        Batch memory b = _crossingBatch();
        tokenB.mint(address(settlement), 50e18); // dust the operator might try to spend
        b.prices = _prices(UNIT + UNIT / 10, UNIT); // trader1 would get 110 B for 100 A
        b.trades[1] = _retrade(TRADER2_KEY, b.trades[1], b.tokens, 100e18, 90e18);
        _recommit(b);
        vm.expectRevert(
            abi.encodeWithSelector(BatchTransferLib.BalanceDecreased.selector, address(tokenB), 50e18, 40e18)
        );
        _settle(b);
    }

    function test_RevertWhen_TraderLacksAllowance() public {
        Batch memory b = _crossingBatch();
        vm.prank(trader2);
        tokenB.approve(address(settlement), 0);
        vm.expectRevert(bytes4(keccak256("TransferFromFailed()")));
        _settle(b);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           HELPERS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _digestOf(TradeData memory t, address[] memory tokens) internal view returns (bytes32) {
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

    function _slice32(bytes memory data, uint256 at) internal pure returns (bytes32 w) {
        assembly {
            w := mload(add(add(data, 0x20), at))
        }
    }

    /// @dev trader1 sells 100 A for >= 99 B and trader2 the reverse at 1:1, trader1's order carrying `commitBy`;
    ///      committed in the current block.
    function _commitByBatch(uint64 commitBy) internal returns (Batch memory b) {
        b.tokens = _tokensAB();
        b.prices = _prices(UNIT, UNIT);
        b.trades = new TradeData[](2);
        bytes32[] memory committed = new bytes32[](2);
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 100e18, 99e18, 1);
        o.commitBy = commitBy;
        (b.trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, b.tokens);
        (b.trades[1], committed[1]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 99e18, 2), 1, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](2);
    }

    /// @dev `t` with new amounts, re-signed.
    function _retrade(uint256 key, TradeData memory t, address[] memory tokens, uint256 sellAmount, uint256 minBuy)
        internal
        view
        returns (TradeData memory updated)
    {
        (updated,) = _trade(
            key,
            _order(t.trader, tokens[t.sellTokenIndex], tokens[t.buyTokenIndex], sellAmount, minBuy, t.nonce),
            t.leafIndex,
            tokens
        );
    }

    /// @dev Commits a new batch for `b`'s trades (keeping its unexecuted leaves).
    function _recommit(Batch memory b) internal {
        bytes32[] memory committed = new bytes32[](b.leaves.length);
        for (uint256 i; i < b.leaves.length; ++i) {
            committed[i] = b.leaves[i];
        }
        for (uint256 i; i < b.trades.length; ++i) {
            TradeData memory t = b.trades[i];
            committed[t.leafIndex] = OrderLib.leaf(_digestOf(t, b.tokens), t.salt);
        }
        b.batchId = _commit(committed);
    }

    /// @dev The same ECDSA signature with s' = n - s and v flipped: valid for ecrecover, refused by Veil.
    function _malleate(bytes memory sig) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
        }
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        uint8 v = uint8(sig[64]) == 27 ? 28 : 27;
        return abi.encodePacked(r, bytes32(n - uint256(s)), v);
    }
}

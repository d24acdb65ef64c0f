// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../src/VeilSettlement.sol";
import {PoolSwap, Trade as TradeData} from "../src/SettlementTypes.sol";
import {BatchTransferLib} from "../src/libraries/BatchTransferLib.sol";
import {OrderLib} from "../src/libraries/OrderLib.sol";
import {Helper} from "./utils/Helper.sol";
import {Vm, vm} from "./utils/Vm.sol";

/// @notice The signed fee (issue 17): each order carries `feeAmount` in its sell token, signed with the rest.
///         `settle` pulls `sellAmount` from the trader, trades `sellAmount - feeAmount` at the clearing prices
///         (the limit holds on that net amount), and pays the batch's fees to `feeRecipient` in one transfer
///         per token per batch.
contract VeilSettlementFeesTest is Helper {
    event Trade(
        uint256 indexed batchId, address indexed trader, bytes32 orderDigest, uint256 sellAmount, uint256 buyAmount
    );
    event FeeRecipientSet(address indexed recipient);

    bytes32 private constant TRANSFER_TOPIC = keccak256("Transfer(address,address,uint256)");

    address internal treasury;

    function setUp() public override {
        super.setUp();
        treasury = _labelled(0x7E, "treasury");
        vm.expectEmit(true, false, false, true);
        emit FeeRecipientSet(treasury);
        vm.prank(owner);
        settlement.setFeeRecipient(treasury);
    }

    function test_feesTakenAndPaidToTheRecipientOncePerToken() public {
        // At 1:1: trader1 sells 60 A (fee 1) and 40 A (fee 1), trader2 sells 100 B (fee 2).
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 0);
        uint256 a1 = tokenA.balanceOf(trader1);
        uint256 b1 = tokenB.balanceOf(trader1);
        uint256 a2 = tokenA.balanceOf(trader2);
        uint256 b2 = tokenB.balanceOf(trader2);
        vm.expectEmit(true, true, false, true);
        emit Trade(b.batchId, trader1, _digestOf(b.trades[0]), 60e18, 59e18);
        vm.recordLogs();
        _settle(b);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(a1 - tokenA.balanceOf(trader1), 100e18, "trader1 paid its sell amounts, fees included");
        assertEq(tokenB.balanceOf(trader1) - b1, 59e18 + 39e18, "trader1 got the net amounts' worth");
        assertEq(b2 - tokenB.balanceOf(trader2), 100e18, "trader2 paid its sell amount, fee included");
        assertEq(tokenA.balanceOf(trader2) - a2, 98e18, "trader2 got 100 - 2 B's worth");
        assertEq(tokenA.balanceOf(treasury), 2e18, "A fees reached the recipient");
        assertEq(tokenB.balanceOf(treasury), 2e18, "B fees reached the recipient");
        assertEq(tokenA.balanceOf(address(settlement)), 0, "no A kept");
        assertEq(tokenB.balanceOf(address(settlement)), 0, "no B kept");
        assertEq(_transfersTo(logs, address(tokenA), treasury), 1, "one A transfer for two A fees");
        assertEq(_transfersTo(logs, address(tokenB), treasury), 1, "one B transfer");
    }

    function test_feesGoToTheRecipientInForceAtSettle() public {
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 0);
        address next = _labelled(0x7F, "next treasury");
        vm.prank(owner);
        settlement.setFeeRecipient(next);
        _settle(b);
        assertEq(tokenA.balanceOf(next), 2e18, "new recipient got A fees");
        assertEq(tokenA.balanceOf(treasury), 0, "old recipient got nothing");
    }

    function test_zeroFeesMakeNoTransfer() public {
        Batch memory b = _feeBatch(0, 0, 0, 0);
        vm.recordLogs();
        _settle(b);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_transfersTo(logs, address(tokenA), treasury), 0, "no A transfer");
        assertEq(_transfersTo(logs, address(tokenB), treasury), 0, "no B transfer");
    }

    function test_limitHoldsNetOfFeeAtExactlyTheLimit() public {
        // trader1's 60 A with a 1 A fee for >= 59 B: the net 59 A buys exactly 59 B at 1:1.
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 0);
        uint256 before = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(tokenB.balanceOf(trader1) - before, 59e18 + 39e18, "both at their limit");
    }

    function test_RevertWhen_LimitMetGrossButNotNetOfFee() public {
        // trader1's first order asks >= 59 B + 1 wei: its gross 60 A would buy 60 B, its net 59 A only 59 B.
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LimitNotMet.selector, 0, 59e18, 59e18 + 1));
        _settle(b);
    }

    function test_RevertWhen_OperatorTakesMoreFeeThanSigned() public {
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 0);
        b.trades[0].feeAmount = 1e18 + 1; // the signed digest covers the fee
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_OperatorTakesLessFeeThanSigned() public {
        // The fee taken is exactly the signed one: a changed fee is a changed order, whichever way.
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 0);
        b.trades[2].feeAmount = 0;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 2));
        _settle(b);
    }

    function test_RevertWhen_SignedFeeExceedsSellAmount() public {
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 1e18, 0, 1);
        o.feeAmount = 1e18 + 1;
        Batch memory b = _single(o);
        b.prices = _prices(UNIT, UNIT);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.FeeExceedsSellAmount.selector, 0));
        _settle(b);
    }

    function test_RevertWhen_FeesWouldComeOutOfTheContractsOwnBalance() public {
        // The settlement holds 5 A of dust; an operator prices trader2's fill as if the A fees were not
        // taken (100 B buys 100 A): the A fees would then be paid from the dust. Conservation refuses it.
        tokenA.mint(address(settlement), 5e18);
        Batch memory b = _feeBatch(1e18, 1e18, 2e18, 0);
        b.prices = _prices(UNIT, UNIT);
        // trader2's order, re-signed with no fee: it buys 100 A for 100 B while the A sells net 98 A.
        OrderLib.Order memory o = _order(trader2, address(tokenB), address(tokenA), 100e18, 98e18, 2);
        bytes32[] memory committed = new bytes32[](3);
        committed[0] = OrderLib.leaf(_digestOf(b.trades[0]), b.trades[0].salt);
        committed[1] = OrderLib.leaf(_digestOf(b.trades[1]), b.trades[1].salt);
        (b.trades[2], committed[2]) = _trade(TRADER2_KEY, o, 2, b.tokens);
        b.batchId = _commit(committed);
        // 5 + 100 in, 100 to trader2 and 2 in fees out: the contract would end with 3.
        vm.expectRevert(
            abi.encodeWithSelector(BatchTransferLib.BalanceDecreased.selector, address(tokenA), 5e18, 3e18)
        );
        _settle(b);
        assertEq(tokenA.balanceOf(address(settlement)), 5e18, "dust untouched");
    }

    function testFuzz_traderPaysSellAmountRecipientGetsFeeRestTrades(uint256 sellAmount, uint256 fee) public {
        sellAmount = bound(sellAmount, 1e6, 1_000e18);
        fee = bound(fee, 0, sellAmount - 1);
        uint256 net = sellAmount - fee;
        uint256 out = net * 997 * POOL_LIQUIDITY / (POOL_LIQUIDITY * 1000 + net * 997);
        vm.assume(out > 0);
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), sellAmount, out, 1);
        o.feeAmount = fee;
        Batch memory b = _single(o);
        b.prices = _prices(out, net); // buy = floor(net * out / net) = out
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(tokenA), net, out);
        uint256 a1 = tokenA.balanceOf(trader1);
        uint256 b1 = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(a1 - tokenA.balanceOf(trader1), sellAmount, "trader paid exactly sellAmount");
        assertEq(tokenA.balanceOf(treasury), fee, "recipient got exactly the fee");
        assertEq(tokenB.balanceOf(trader1) - b1, out, "trader got the net amount's worth, at its limit");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           HELPERS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A committed batch at 1:1, balanced when feeA1 + feeA2 == feeB: trader1 sells 60 A (fee feeA1) for
    ///      >= 60 - feeA1 + extraMin B and 40 A (fee feeA2) for >= 40 - feeA2 B; trader2 sells 100 B (fee feeB)
    ///      for >= 100 - feeB A.
    function _feeBatch(uint256 feeA1, uint256 feeA2, uint256 feeB, uint256 extraMin)
        internal
        returns (Batch memory b)
    {
        b.tokens = _tokensAB();
        b.prices = _prices(UNIT, UNIT);
        b.trades = new TradeData[](3);
        bytes32[] memory committed = new bytes32[](3);
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 60e18, 60e18 - feeA1 + extraMin, 1);
        o.feeAmount = feeA1;
        (b.trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, b.tokens);
        o = _order(trader1, address(tokenA), address(tokenB), 40e18, 40e18 - feeA2, 3);
        o.feeAmount = feeA2;
        (b.trades[1], committed[1]) = _trade(TRADER1_KEY, o, 1, b.tokens);
        o = _order(trader2, address(tokenB), address(tokenA), 100e18, 100e18 - feeB, 2);
        o.feeAmount = feeB;
        (b.trades[2], committed[2]) = _trade(TRADER2_KEY, o, 2, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](3);
    }

    /// @dev A committed one-order batch (no prices or swaps yet).
    function _single(OrderLib.Order memory o) internal returns (Batch memory b) {
        b.tokens = _tokensAB();
        b.trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (b.trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](1);
    }

    function _digestOf(TradeData memory t) internal view returns (bytes32) {
        address[] memory tokens = _tokensAB();
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

    /// @dev Number of `Transfer(from, to, amount)` logs of `token` to `to`.
    function _transfersTo(Vm.Log[] memory logs, address token, address to) internal pure returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (
                l.emitter == token && l.topics.length == 3 && l.topics[0] == TRANSFER_TOPIC
                    && l.topics[2] == bytes32(uint256(uint160(to)))
            ) ++n;
        }
    }
}

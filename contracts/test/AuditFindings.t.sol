// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {VeilAdmin} from "../src/VeilAdmin.sol";
import {VeilSettlement} from "../src/VeilSettlement.sol";
import {BatchTransferLib} from "../src/libraries/BatchTransferLib.sol";
import {PoolSwap, Trade as TradeData} from "../src/SettlementTypes.sol";
import {OrderLib} from "../src/libraries/OrderLib.sol";
import {SignatureLib} from "../src/libraries/SignatureLib.sol";
import {V2SwapLib} from "../src/libraries/V2SwapLib.sol";
import {IUniswapV2Pair} from "../src/interfaces/IUniswapV2Pair.sol";
import {Helper} from "./utils/Helper.sol";
import {FeeOnTransferToken} from "./utils/tokens/FeeOnTransferToken.sol";
import {TestToken} from "./utils/tokens/TestToken.sol";
import {Wallet1271} from "./utils/Wallet1271.sol";
import {vm} from "./utils/Vm.sol";

/// @notice EIP-1271 wallet that answers an ordinary 32-byte magic value to everybody (e.g. the relay's intake
///         eth_call) but, when the settlement asks, returns the magic value followed by as many bytes as its own
///         gas can pay for (the audit's return bomb, unchanged).
contract ReturnBomb1271 {
    address public immutable settlement;

    constructor(address settlement_) {
        settlement = settlement_;
    }

    function execute(address target, bytes calldata data) external {
        (bool ok,) = target.call(data);
        require(ok);
    }

    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        if (msg.sender != settlement) return 0x1626ba7e;
        uint256 g = gasleft() - 5000;
        // Largest n (words) with 3n + n^2/512 <= g: the memory the callee can afford to return.
        uint256 n = FixedPointMathLib.sqrt(512 * g + 589824) - 768;
        assembly {
            mstore(0, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
            return(0, mul(n, 32))
        }
    }
}

/// @notice EIP-1271 wallet that burns all the gas it is given before approving.
contract GasBurner1271 {
    function execute(address target, bytes calldata data) external {
        (bool ok,) = target.call(data);
        require(ok);
    }

    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 x;
        while (x != 1) {
            x = uint256(keccak256(abi.encode(x)));
        }
        return 0x1626ba7e;
    }
}

/// @notice The audit's proofs of concept (../shared/audit/AuditFindings.t.sol, main at 6d1417b), adapted to
///         order v2 and the fixed settlement (issue 12): each F-test now shows the exploit failing, by the
///         revert it gets or by the trader's balance left intact.
contract AuditFindingsTest is Helper {
    uint256 internal constant OPERATOR_TRADER_KEY = 0x0BAD;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*  F1: a committed + revealed order is bound to its batch     */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// The operator commits a root containing trader1's commit-mode leaf. The client signed `commitBy` = the
    /// next block and reveals only once the head is past it. The operator settles that batch WITHOUT the order,
    /// then writes its own counter-order after seeing it and commits a new batch with trader1's order under a
    /// salt of its choosing: settle refuses it (the new batch committed after `commitBy`), trader1 keeps its A.
    function test_audit_F1_revealedOrderCannotBeFilledInALaterBatch() public {
        address[] memory tokens = _tokensAB();
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 100e18, 90e18, 1);
        o.commitBy = uint64(block.number + 1);
        (TradeData memory t1, bytes32 leaf1) = _trade(TRADER1_KEY, o, 0, tokens);
        bytes32[] memory committed = new bytes32[](2);
        committed[0] = leaf1;
        committed[1] = keccak256("someone else's leaf");
        uint256 batch1 = _commit(committed);
        assertGe(block.number, uint256(o.commitBy) + 1, "the client reveals only past commitBy");

        // Batch 1 settles with no trades: trader1's revealed order is passed as an unexecuted leaf.
        vm.prank(operator);
        settlement.settle(batch1, committed, tokens, _prices(UNIT, UNIT), new TradeData[](0), new PoolSwap[](0));

        vm.warp(block.timestamp + 50 minutes);
        address opTrader = vm.addr(OPERATOR_TRADER_KEY);
        _fund(opTrader, 1_000e18);
        uint256 a1 = tokenA.balanceOf(trader1);
        uint256 b1 = tokenB.balanceOf(trader1);
        (uint256 batch2, bytes32[] memory leaves, TradeData[] memory trades) = _f1SecondBatch(o, t1, opTrader, tokens);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.CommitDeadlinePassed.selector, 0));
        vm.prank(operator);
        settlement.settle(batch2, leaves, tokens, _prices(9e17, UNIT), trades, new PoolSwap[](0));

        assertEq(tokenA.balanceOf(trader1), a1, "trader1 kept its A");
        assertEq(tokenB.balanceOf(trader1), b1, "and got no fill at its limit");
        assertTrue(!settlement.isNonceUsed(trader1, 1), "the order never executed");
    }

    /// Same attack with the very leaf trader1 committed (the original salt): refused the same way.
    function test_audit_F1_sameLeafRecommittedLaterIsRefused() public {
        address[] memory tokens = _tokensAB();
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 100e18, 90e18, 1);
        o.commitBy = uint64(block.number);
        (TradeData memory t1, bytes32 leaf1) = _trade(TRADER1_KEY, o, 0, tokens);
        bytes32[] memory committed = new bytes32[](1);
        committed[0] = leaf1;
        uint256 batch1 = _commit(committed);
        vm.roll(block.number + EXPIRY); // batch 1 expires unsettled
        uint256 batch2 = _commit(committed);
        TradeData[] memory trades = new TradeData[](1);
        trades[0] = t1;
        PoolSwap[] memory swaps = new PoolSwap[](1);
        swaps[0] = PoolSwap(pair, address(tokenA), 100e18, 90e18);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.CommitDeadlinePassed.selector, 0));
        vm.prank(operator);
        settlement.settle(batch2, new bytes32[](1), tokens, _prices(9e17, UNIT), trades, swaps);
        assertTrue(batch2 == batch1 + 1 && !settlement.isNonceUsed(trader1, 1), "never executed");
    }

    function _f1SecondBatch(OrderLib.Order memory o, TradeData memory t1, address opTrader, address[] memory tokens)
        internal
        returns (uint256 batch2, bytes32[] memory leaves, TradeData[] memory trades)
    {
        OrderLib.Order memory mine = _order(opTrader, address(tokenB), address(tokenA), 90e18, 100e18, 1);
        trades = new TradeData[](2);
        bytes32[] memory committed = new bytes32[](2);
        (trades[1], committed[1]) = _trade(OPERATOR_TRADER_KEY, mine, 1, tokens);
        t1.salt = keccak256("a salt the operator picked"); // the salt is not signed
        committed[0] = OrderLib.leaf(OrderLib.hash(o, settlement.domainSeparator()), t1.salt);
        trades[0] = t1;
        batch2 = _commit(committed);
        leaves = new bytes32[](2);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*   F2: the operator cannot sandwich its own residual swap    */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// One bundle: operator buys B on the pair, then settles at the moved price. Settle now refuses the pair
    /// (touched earlier in this block); trader1 keeps its A, and settled first in the next block it gets the
    /// untouched pool's price.
    function test_audit_F2_operatorCannotSandwichItsOwnResidualSwap() public {
        address[] memory tokens = _tokensAB();
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 10_000e18, 9_000e18, 1);
        TradeData[] memory trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, tokens);
        uint256 batchId = _commit(committed);
        uint256 fair = _quote(address(tokenA), 10_000e18);

        tokenA.mint(operator, 47_500e18);
        uint256 boughtB = _poolSwap(operator, address(tokenA), 47_500e18); // front-run, same block
        uint256 v = _quote(address(tokenA), 10_000e18);
        PoolSwap[] memory swaps = new PoolSwap[](1);
        swaps[0] = PoolSwap(pair, address(tokenA), 10_000e18, v);
        uint256 beforeA = tokenA.balanceOf(trader1);
        uint256 beforeB = tokenB.balanceOf(trader1);
        vm.expectRevert(abi.encodeWithSelector(V2SwapLib.PoolTouchedThisBlock.selector, pair));
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](1), tokens, _prices(v, 10_000e18), trades, swaps);
        assertEq(tokenA.balanceOf(trader1), beforeA, "trader1's A untouched");
        assertEq(tokenB.balanceOf(trader1), beforeB, "no fill at the moved price");

        // The operator must unwind (any later trade in this block, its back-run, moves the price back), and
        // the settle, first to touch the pair in the next block, pays the fair price.
        _poolSwap(operator, address(tokenB), boughtB);
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
        uint256 out = _quote(address(tokenA), 10_000e18);
        swaps[0] = PoolSwap(pair, address(tokenA), 10_000e18, out);
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](1), tokens, _prices(out, 10_000e18), trades, swaps);
        assertGe(tokenB.balanceOf(trader1) - beforeB, fair - fair / 1000, "trader1 got ~the untouched pool's price");
    }

    /// What the guard does not stop (documented in V2SwapLib and the README): a move in the previous block.
    /// The mover carries its position across the block boundary; the trader still gets its signed limit.
    function test_audit_F2_multiBlockMoveStillBoundedByTheLimit() public {
        address[] memory tokens = _tokensAB();
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 10_000e18, 9_000e18, 1);
        TradeData[] memory trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, tokens);
        uint256 batchId = _commit(committed);
        tokenA.mint(operator, 47_500e18);
        _poolSwap(operator, address(tokenA), 47_500e18); // end of block N
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
        uint256 v = _quote(address(tokenA), 10_000e18);
        PoolSwap[] memory swaps = new PoolSwap[](1);
        swaps[0] = PoolSwap(pair, address(tokenA), 10_000e18, v);
        uint256 before = tokenB.balanceOf(trader1);
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](1), tokens, _prices(v, 10_000e18), trades, swaps); // first in N+1
        assertGe(tokenB.balanceOf(trader1) - before, o.minBuyAmount, "the signed limit holds");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*   F3: EIP-1271 return bomb: its own trade fails, with data  */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// Within the relay's gas budget (and at its 25M cap), settle now reverts with InvalidSignature(0): the
    /// relay can name the culprit and drop it. Dropped, the rest of the batch settles.
    function test_audit_F3_returnBombWalletIsNamedAndDropped() public {
        ReturnBomb1271 bomb = new ReturnBomb1271(address(settlement));
        tokenA.mint(address(bomb), 100e18);
        bomb.execute(
            address(tokenA), abi.encodeWithSignature("approve(address,uint256)", address(settlement), type(uint256).max)
        );
        Batch memory b = _walletBatch(address(bomb));

        // What the relay's intake sees (an eth_call from anyone but the settlement): a clean magic value.
        (bool ok0, bytes memory ret0) =
            address(bomb).staticcall(abi.encodeWithSignature("isValidSignature(bytes32,bytes)", bytes32(0), hex"00"));
        assertTrue(ok0 && ret0.length == 32 && bytes4(ret0) == 0x1626ba7e, "intake check passes");

        bytes memory data =
            abi.encodeCall(VeilSettlement.settle, (b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps));
        uint256[2] memory budgets = [uint256(720_000), 25_000_000];
        for (uint256 k; k < 2; ++k) {
            vm.prank(operator);
            (bool ok, bytes memory ret) = address(settlement).call{gas: budgets[k]}(data);
            assertTrue(!ok, "settle failed");
            assertEq(
                keccak256(ret),
                keccak256(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0)),
                "InvalidSignature(0): the relay knows whom to drop"
            );
        }

        // The relay drops trade 0 (its leaf is passed as unexecuted); trader2's B goes to the pool.
        _dropFirstTrade(b, address(bomb));
        uint256 before = tokenA.balanceOf(trader2);
        vm.prank(operator);
        (bool settled,) = address(settlement).call{gas: 720_000}(
            abi.encodeCall(VeilSettlement.settle, (b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps))
        );
        assertTrue(settled, "the batch settles without the bomb");
        assertGe(tokenA.balanceOf(trader2) - before, 99e18, "trader2 filled");
        assertEq(tokenA.balanceOf(address(bomb)), 100e18, "the bomb's order did not execute");
    }

    /// A wallet that burns all its gas fails only its own trade, after using at most EIP1271_GAS_LIMIT.
    function test_audit_F3_gasBurningWalletFailsItsOwnTrade() public {
        GasBurner1271 burner = new GasBurner1271();
        Batch memory b = _walletBatch(address(burner));
        vm.prank(operator);
        uint256 g = gasleft();
        (bool ok, bytes memory ret) = address(settlement).call{gas: 720_000}(
            abi.encodeCall(VeilSettlement.settle, (b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps))
        );
        assertTrue(!ok, "refused");
        assertEq(
            keccak256(ret), keccak256(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0)), "named"
        );
        assertLe(g - gasleft(), 200_000, "the wallet got its cap, not the batch's gas");
        assertEq(settlement.EIP1271_GAS_LIMIT(), 50_000, "the published cap");
    }

    /// Control: an honest wallet is never blamed for a transaction sent with too little gas. At every gas limit
    /// settle either succeeds, runs out of gas, or names the gas (InsufficientGasForWalletCall) - never
    /// InvalidSignature - and within the relay's budget it settles.
    function test_audit_F3_control_honestWalletNeverBlamedForLowGas() public {
        Wallet1271 wallet = new Wallet1271(trader1);
        tokenA.mint(address(wallet), 100e18);
        vm.prank(trader1);
        wallet.execute(
            address(tokenA), abi.encodeWithSignature("approve(address,uint256)", address(settlement), type(uint256).max)
        );
        OrderLib.Order memory o = _order(address(wallet), address(tokenA), address(tokenB), 100e18, 99e18, 1);
        bytes32 digest = OrderLib.hash(o, settlement.domainSeparator());
        vm.prank(trader1);
        wallet.approveDigest(digest);
        Batch memory b = _walletBatch(address(wallet));
        bytes memory data =
            abi.encodeCall(VeilSettlement.settle, (b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps));
        bytes32 blamed = keccak256(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        uint256 gasNamed;
        uint256 settledWith;
        for (uint256 gas = 20_000; gas <= 720_000; gas += 2_000) {
            vm.prank(operator);
            (bool ok, bytes memory ret) = address(settlement).call{gas: gas}(data);
            if (ok) {
                settledWith = gas;
                break;
            }
            assertTrue(keccak256(ret) != blamed, "honest wallet blamed for low gas");
            if (ret.length >= 4 && bytes4(ret) == SignatureLib.InsufficientGasForWalletCall.selector) gasNamed++;
        }
        assertGe(gasNamed, 1, "low gas is named as such");
        assertTrue(settledWith > 0, "honest wallet batch settles within the relay budget (720k)");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*      F4: only the committing operator settles its batch     */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_audit_F4_secondOperatorCannotBurnFirstOperatorsBatch() public {
        address operator2 = _labelled(0x10, "operator2");
        vm.prank(owner);
        settlement.setOperator(operator2, true);
        Batch memory b = _crossingBatch(); // committed by `operator`
        bytes32[] memory committedLeaves = new bytes32[](3);
        committedLeaves[0] = OrderLib.leaf(_digest(b.trades[0], b.tokens), b.trades[0].salt);
        committedLeaves[1] = b.leaves[1];
        committedLeaves[2] = OrderLib.leaf(_digest(b.trades[1], b.tokens), b.trades[1].salt);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NotBatchOperator.selector, b.batchId, operator2));
        vm.prank(operator2);
        settlement.settle(b.batchId, committedLeaves, b.tokens, b.prices, new TradeData[](0), new PoolSwap[](0));
        uint256 before = tokenB.balanceOf(trader1);
        _settle(b); // the batch is intact: its own operator settles it
        assertEq(tokenB.balanceOf(trader1) - before, 100e18, "trader1 filled");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*     F5: a fee-on-transfer BUY token is refused, by balance  */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// The audit's batch: the pair pays the settlement 1% less than it sends, the settlement passes on what
    /// arrived, and the trader would receive 1% less again, below its signed minimum. Settle now measures the
    /// trader's balance change and refuses the token; the trader keeps its A and holds no FEE.
    function test_audit_F5_feeOnTransferBuyTokenRefused() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        address pairAF = _deployPair(address(tokenA), address(fee), POOL_LIQUIDITY, POOL_LIQUIDITY);
        vm.prank(owner);
        settlement.setPool(pairAF, true);
        address[] memory tokens = new address[](2);
        tokens[0] = address(tokenA);
        tokens[1] = address(fee);
        uint256 out = V2SwapLib.getAmountOut(100e18, POOL_LIQUIDITY, POOL_LIQUIDITY);
        uint256 received = out - out / 100; // what the pair's transfer delivers to the settlement
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(fee), 100e18, received, 1);
        TradeData[] memory trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, tokens);
        uint256 batchId = _commit(committed);
        PoolSwap[] memory swaps = new PoolSwap[](1);
        swaps[0] = PoolSwap(pairAF, address(tokenA), 100e18, out);
        uint256 a0 = tokenA.balanceOf(trader1);
        vm.expectRevert(
            abi.encodeWithSelector(
                BatchTransferLib.FeeOnTransferBuyToken.selector, address(fee), 0, received, received - received / 100
            )
        );
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](1), tokens, _prices(received, 100e18), trades, swaps);
        assertEq(fee.balanceOf(trader1), 0, "no FEE paid below the minimum");
        assertEq(tokenA.balanceOf(trader1), a0, "trader1 kept its A");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*      F6: surplus, dust and stray tokens are not frozen      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    event FeeRecipientSet(address indexed recipient);
    event Swept(address indexed token, address indexed recipient, uint256 amount);

    /// The audit's surplus (pool output above the clearing price's payout) and a token sent by mistake both
    /// reach the owner-set fee recipient; nobody else can sweep or redirect them.
    function test_audit_F6_surplusAndStrayTokensReachTheFeeRecipient() public {
        address[] memory tokens = _tokensAB();
        uint256 out = V2SwapLib.getAmountOut(100e18, POOL_LIQUIDITY, POOL_LIQUIDITY);
        _oneSwapBatch(tokens, _order(trader1, address(tokenA), address(tokenB), 100e18, 90e18, 1), TRADER1_KEY, 90e18);
        uint256 surplus = out - 90e18;
        assertEq(tokenB.balanceOf(address(settlement)), surplus, "surplus held by the settlement");
        TestToken stray = new TestToken("C");
        stray.mint(address(settlement), 5e18); // sent by mistake

        address treasury = _labelled(0x77, "treasury");
        assertEq(settlement.feeRecipient(), owner, "the owner until set");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        vm.prank(operator);
        settlement.setFeeRecipient(operator);
        vm.expectRevert(VeilAdmin.ZeroFeeRecipient.selector);
        vm.prank(owner);
        settlement.setFeeRecipient(address(0));
        vm.expectEmit(true, false, false, true);
        emit FeeRecipientSet(treasury);
        vm.prank(owner);
        settlement.setFeeRecipient(treasury);

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        vm.prank(operator);
        settlement.sweep(address(tokenB), surplus);
        vm.expectEmit(true, true, false, true);
        emit Swept(address(tokenB), treasury, surplus - 1);
        vm.prank(owner);
        settlement.sweep(address(tokenB), surplus - 1); // 1 wei left: the next batch's writes stay cheap
        vm.prank(owner);
        settlement.sweep(address(stray), 5e18);
        assertEq(tokenB.balanceOf(treasury), surplus - 1, "surplus swept");
        assertEq(stray.balanceOf(treasury), 5e18, "stray token swept");
        assertEq(stray.balanceOf(address(settlement)), 0, "nothing frozen");

        // Batches keep settling after a sweep (conservation is per batch, from the balance it starts with).
        _oneSwapBatch(tokens, _order(trader1, address(tokenA), address(tokenB), 100e18, 90e18, 2), TRADER1_KEY, 90e18);
        assertGe(tokenB.balanceOf(address(settlement)), 1, "new surplus accrues");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           INFO                              */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// setWindow no longer reaches batches already committed: shrinking it leaves the batch settleable.
    function test_audit_I2_ownerCannotShrinkWindowOfCommittedBatch() public {
        Batch memory b = _crossingBatch(); // at commitBlock + 2, inside the original [2, 20] window
        vm.prank(owner);
        settlement.setWindow(0, 1);
        uint256 before = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(tokenB.balanceOf(trader1) - before, 100e18, "settled in its own window");
    }

    /// Sorted-pair hashing: a trade may sit at its sibling's index (leafIndex is not binding; harmless, the
    /// root still fixes the set of leaves). Unchanged by issue 12.
    function test_audit_I1_tradeSettlesAtSiblingLeafIndex() public {
        Batch memory b = _crossingBatch(); // committed [L0, X, L2]; trade0 at 0
        bytes32 l0 = OrderLib.leaf(_digest(b.trades[0], b.tokens), b.trades[0].salt);
        bytes32[] memory committed = new bytes32[](2);
        committed[0] = l0;
        committed[1] = b.leaves[1];
        uint256 batchId = _commit(committed);
        TradeData[] memory trades = new TradeData[](1);
        trades[0] = b.trades[0];
        trades[0].leafIndex = 1;
        bytes32[] memory passed = new bytes32[](2);
        passed[0] = b.leaves[1];
        PoolSwap[] memory swaps = new PoolSwap[](1);
        uint256 out = _quote(address(tokenA), 100e18);
        swaps[0] = PoolSwap(pair, address(tokenA), 100e18, out);
        vm.prank(operator);
        settlement.settle(batchId, passed, b.tokens, _prices(out, 100e18), trades, swaps);
    }

    /// The settle's own first swap on a pair stamps it too: two swaps on one pair in one settle are refused
    /// (the relay combines them into one).
    function test_twoSwapsOnOnePairInOneSettleRefused() public {
        address[] memory tokens = _tokensAB();
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 100e18, 90e18, 1);
        TradeData[] memory trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, tokens);
        uint256 batchId = _commit(committed);
        PoolSwap[] memory swaps = new PoolSwap[](2);
        swaps[0] = PoolSwap(pair, address(tokenA), 50e18, 0);
        swaps[1] = PoolSwap(pair, address(tokenA), 50e18, 0);
        vm.expectRevert(abi.encodeWithSelector(V2SwapLib.PoolTouchedThisBlock.selector, pair));
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](1), tokens, _prices(90e18, 100e18), trades, swaps);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*          SANITY (things that should hold, and do)           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_audit_S1_sameOrderTwiceInOneBatchRefused() public {
        Batch memory b = _crossingBatch();
        bytes32 l0 = OrderLib.leaf(_digest(b.trades[0], b.tokens), b.trades[0].salt);
        bytes32[] memory committed = new bytes32[](2);
        committed[0] = l0;
        committed[1] = l0;
        uint256 batchId = _commit(committed);
        TradeData[] memory trades = new TradeData[](2);
        trades[0] = b.trades[0];
        trades[1] = abi.decode(abi.encode(b.trades[0]), (TradeData)); // a deep copy
        trades[1].leafIndex = 1; // the very same order and leaf, at the second slot
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NonceUsed.selector, trader1, 1));
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](2), b.tokens, b.prices, trades, new PoolSwap[](0));
    }

    function test_audit_S2_orderSignedForAnotherDeploymentRefused() public {
        VeilSettlement other = new VeilSettlement(owner, REVEAL_DELAY, EXPIRY);
        vm.prank(owner);
        other.setOperator(operator, true);
        address[] memory tokens = _tokensAB();
        OrderLib.Order memory o = _order(trader1, address(tokenA), address(tokenB), 100e18, 99e18, 1);
        (TradeData memory t,) = _trade(TRADER1_KEY, o, 0, tokens); // signed for `settlement`
        bytes32 leaf = OrderLib.leaf(OrderLib.hash(o, other.domainSeparator()), t.salt);
        vm.prank(operator);
        uint256 batchId = other.commit(leaf, 1);
        vm.roll(block.number + REVEAL_DELAY);
        TradeData[] memory trades = new TradeData[](1);
        trades[0] = t;
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        vm.prank(operator);
        other.settle(batchId, new bytes32[](1), tokens, _prices(UNIT, UNIT), trades, new PoolSwap[](0));
    }

    function test_audit_S3_innerNodesCannotStandInForLeaves() public {
        bytes32[] memory committed = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            committed[i] = keccak256(abi.encode(i));
        }
        uint256 batchId = _commit(committed);
        bytes32[] memory inner = new bytes32[](2);
        bytes32[] memory half = new bytes32[](2);
        (half[0], half[1]) = (committed[0], committed[1]);
        inner[0] = _root(half);
        (half[0], half[1]) = (committed[2], committed[3]);
        inner[1] = _root(half);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LeafCountMismatch.selector, 4, 2));
        vm.prank(operator);
        settlement.settle(batchId, inner, new address[](0), new uint256[](0), new TradeData[](0), new PoolSwap[](0));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          HELPERS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _digest(TradeData memory t, address[] memory tokens) internal view returns (bytes32) {
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

    function _quote(address tokenIn, uint256 amountIn) internal view returns (uint256) {
        IUniswapV2Pair p = IUniswapV2Pair(pair);
        (uint256 r0, uint256 r1,) = p.getReserves();
        return tokenIn == p.token0()
            ? V2SwapLib.getAmountOut(amountIn, r0, r1)
            : V2SwapLib.getAmountOut(amountIn, r1, r0);
    }

    function _poolSwap(address who, address tokenIn, uint256 amountIn) internal returns (uint256 out) {
        IUniswapV2Pair p = IUniswapV2Pair(pair);
        bool zeroForOne = tokenIn == p.token0();
        out = _quote(tokenIn, amountIn);
        vm.prank(who);
        TestToken(tokenIn).transfer(pair, amountIn);
        vm.prank(who);
        p.swap(zeroForOne ? 0 : out, zeroForOne ? out : 0, who, "");
    }

    /// Commits and settles a one-order batch selling through the pair; the trader is paid `pay`.
    function _oneSwapBatch(address[] memory tokens, OrderLib.Order memory o, uint256 key, uint256 pay) internal {
        TradeData[] memory trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        (trades[0], committed[0]) = _trade(key, o, 0, tokens);
        uint256 batchId = _commit(committed);
        PoolSwap[] memory swaps = new PoolSwap[](1);
        swaps[0] = PoolSwap(pair, o.sellToken, o.sellAmount, _quote(o.sellToken, o.sellAmount));
        vm.prank(operator);
        settlement.settle(batchId, new bytes32[](1), tokens, _prices(pay, o.sellAmount), trades, swaps);
    }

    /// `wallet` sells 100 A for >= 99 B (1-byte "signature": EIP-1271 path); trader2 sells 100 B for >= 99 A.
    function _walletBatch(address wallet) internal returns (Batch memory b) {
        b.tokens = _tokensAB();
        b.prices = _prices(UNIT, UNIT);
        b.trades = new TradeData[](2);
        bytes32[] memory committed = new bytes32[](2);
        OrderLib.Order memory o = _order(wallet, address(tokenA), address(tokenB), 100e18, 99e18, 1);
        (b.trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, b.tokens);
        b.trades[0].signature = hex"00";
        (b.trades[1], committed[1]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 99e18, 2), 1, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](2);
    }

    /// `b` without its first trade (its committed leaf passed instead); trader2's 100 B sold to the pool.
    function _dropFirstTrade(Batch memory b, address wallet) internal view {
        OrderLib.Order memory o = _order(wallet, address(tokenA), address(tokenB), 100e18, 99e18, 1);
        o.validTo = b.trades[0].validTo;
        b.leaves[0] = OrderLib.leaf(OrderLib.hash(o, settlement.domainSeparator()), b.trades[0].salt);
        TradeData[] memory rest = new TradeData[](1);
        rest[0] = b.trades[1];
        b.trades = rest;
        uint256 out = _quote(address(tokenB), 100e18);
        b.prices = _prices(100e18, out); // trader2: 100 B * out / 100 = out A
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(tokenB), 100e18, out);
    }
}

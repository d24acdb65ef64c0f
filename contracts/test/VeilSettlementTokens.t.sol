// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";
import {VeilSettlement} from "../src/VeilSettlement.sol";
import {BatchTransferLib} from "../src/libraries/BatchTransferLib.sol";
import {PoolSwap, Trade as TradeData} from "../src/SettlementTypes.sol";
import {OrderLib} from "../src/libraries/OrderLib.sol";
import {V2SwapLib} from "../src/libraries/V2SwapLib.sol";
import {Helper} from "./utils/Helper.sol";
import {IUniswapV2PairFull} from "./utils/IUniswapV2.sol";
import {FalseReturnToken} from "./utils/tokens/FalseReturnToken.sol";
import {FeeOnTransferToken} from "./utils/tokens/FeeOnTransferToken.sol";
import {NoReturnToken} from "./utils/tokens/NoReturnToken.sol";
import {ReentrantToken} from "./utils/tokens/ReentrantToken.sol";
import {RevertingToken} from "./utils/tokens/RevertingToken.sol";
import {TestToken} from "./utils/tokens/TestToken.sol";
import {vm} from "./utils/Vm.sol";
import {Wallet1271} from "./utils/Wallet1271.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external;
}

/// @notice Badly behaved tokens, smart-contract wallets and the residual path through the real V2 pair.
contract VeilSettlementTokensTest is Helper {
    /// @dev trader1 sells 100 `x` for >= 99 `y`, trader2 sells 100 `y` for >= 99 `x`, 1:1, committed.
    function _crossing(address x, address y) internal returns (Batch memory b) {
        for (uint256 i; i < 2; ++i) {
            address who = i == 0 ? trader1 : trader2;
            IMintable(i == 0 ? x : y).mint(who, 1000e18);
            vm.prank(who);
            IMintable(i == 0 ? x : y).approve(address(settlement), type(uint256).max);
        }
        b.tokens = new address[](2);
        b.tokens[0] = x;
        b.tokens[1] = y;
        b.prices = _prices(UNIT, UNIT);
        b.trades = new TradeData[](2);
        bytes32[] memory committed = new bytes32[](2);
        (b.trades[0], committed[0]) = _trade(TRADER1_KEY, _order(trader1, x, y, 100e18, 99e18, 1), 0, b.tokens);
        (b.trades[1], committed[1]) = _trade(TRADER2_KEY, _order(trader2, y, x, 100e18, 99e18, 2), 1, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](2);
    }

    function test_settlesTokenWithoutReturnValue() public {
        NoReturnToken usdt = new NoReturnToken();
        Batch memory b = _crossing(address(usdt), address(tokenB));
        _settle(b);
        assertEq(usdt.balanceOf(trader2), 100e18, "trader2 got the no-bool token");
        assertEq(usdt.balanceOf(trader1), 900e18, "trader1 paid it");
    }

    function test_RevertWhen_TokenReturnsFalse() public {
        FalseReturnToken bad = new FalseReturnToken();
        Batch memory b = _crossing(address(bad), address(tokenB));
        vm.expectRevert(bytes4(keccak256("TransferFromFailed()")));
        _settle(b);
    }

    function test_RevertWhen_TokenTakesFeeOnTransfer() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        Batch memory b = _crossing(address(fee), address(tokenB));
        vm.expectRevert(abi.encodeWithSelector(BatchTransferLib.ReceivedLess.selector, address(fee), 100e18, 99e18));
        _settle(b);
    }

    function test_RevertWhen_TokenTransferReverts() public {
        RevertingToken paused = new RevertingToken();
        Batch memory b = _crossing(address(paused), address(tokenB));
        paused.setPaused(true);
        vm.expectRevert(bytes4(keccak256("TransferFromFailed()")));
        _settle(b);
    }

    function test_RevertWhen_TokenReentersSettle() public {
        ReentrantToken evil = new ReentrantToken();
        Batch memory b = _crossing(address(evil), address(tokenB));
        evil.arm(
            address(settlement),
            abi.encodeCall(VeilSettlement.settle, (b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps))
        );
        _settle(b);
        assertTrue(!evil.reentryOk(), "re-entry refused");
        assertEq(bytes32(evil.reentryResult()), bytes32(ReentrancyGuardTransient.Reentrancy.selector), "Reentrancy");
    }

    function test_settlesOrderOfContractWallet() public {
        Wallet1271 wallet = new Wallet1271(trader1);
        tokenA.mint(address(wallet), 100e18);
        vm.prank(trader1);
        wallet.execute(address(tokenA), abi.encodeWithSignature("approve(address,uint256)", address(settlement), type(uint256).max));
        Batch memory b = _walletBatch(wallet, true);
        _settle(b);
        assertEq(tokenB.balanceOf(address(wallet)), 100e18, "wallet paid");
    }

    function test_RevertWhen_ContractWalletRejectsSignature() public {
        Wallet1271 wallet = new Wallet1271(trader1);
        Batch memory b = _walletBatch(wallet, false);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.InvalidSignature.selector, 0));
        _settle(b);
    }

    function test_settlesResidualSellingToken1() public {
        // trader2 sells 50 B through the pool, whatever B's position in the pair.
        Batch memory b;
        b.tokens = _tokensAB();
        b.trades = new TradeData[](1);
        bytes32[] memory committed = new bytes32[](1);
        uint256 out = V2SwapLib.getAmountOut(50e18, POOL_LIQUIDITY, POOL_LIQUIDITY);
        (b.trades[0], committed[0]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 50e18, out, 9), 0, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](1);
        b.prices = _prices(50e18, out);
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(tokenB), 50e18, out);
        uint256 before = tokenA.balanceOf(trader2);
        _settle(b);
        assertEq(tokenA.balanceOf(trader2), before + out, "paid the pool's output");
        (uint112 r0, uint112 r1,) = IUniswapV2PairFull(pair).getReserves();
        assertEq(uint256(r0) + r1, 2 * POOL_LIQUIDITY + 50e18 - out, "pool reserves moved by the swap");
    }

    function test_RevertWhen_SwapTokenNotInPool() public {
        TestToken other = new TestToken("C");
        Batch memory b = _crossingBatch();
        b.tokens = new address[](3);
        b.tokens[0] = address(tokenA);
        b.tokens[1] = address(tokenB);
        b.tokens[2] = address(other);
        b.prices = new uint256[](3);
        b.prices[0] = b.prices[1] = b.prices[2] = UNIT;
        // Re-sign: the token list is the same for indices 0/1, so the orders are unchanged.
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pair, address(other), 1, 0);
        vm.expectRevert(abi.encodeWithSelector(V2SwapLib.TokenNotInPool.selector, pair, address(other)));
        _settle(b);
    }

    function test_RevertWhen_SwapOutputTokenNotInBatch() public {
        TestToken other = new TestToken("C");
        address pairAC = _deployPair(address(tokenA), address(other), 1000e18, 1000e18);
        vm.prank(owner);
        settlement.setPool(pairAC, true);
        Batch memory b = _crossingBatch();
        b.swaps = new PoolSwap[](1);
        b.swaps[0] = PoolSwap(pairAC, address(tokenA), 1e18, 0);
        vm.expectRevert(abi.encodeWithSelector(BatchTransferLib.TokenNotInBatch.selector, address(other)));
        _settle(b);
    }

    function _walletBatch(Wallet1271 wallet, bool approve) internal returns (Batch memory b) {
        b.tokens = _tokensAB();
        b.prices = _prices(UNIT, UNIT);
        b.trades = new TradeData[](2);
        bytes32[] memory committed = new bytes32[](2);
        OrderLib.Order memory o = _order(address(wallet), address(tokenA), address(tokenB), 100e18, 100e18, 1);
        bytes32 digest = OrderLib.hash(o, settlement.domainSeparator());
        if (approve) {
            vm.prank(trader1);
            wallet.approveDigest(digest);
        }
        (b.trades[0], committed[0]) = _trade(TRADER1_KEY, o, 0, b.tokens); // an ECDSA sig of the wrong signer
        b.trades[0].signature = hex"1234";
        (b.trades[1], committed[1]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 99e18, 2), 1, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](2);
    }
}

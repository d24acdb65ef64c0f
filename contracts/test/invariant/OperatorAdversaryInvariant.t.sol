// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Helper} from "../utils/Helper.sol";
import {vm} from "../utils/Vm.sol";
import {OperatorAdversaryHandler} from "./OperatorAdversaryHandler.sol";

/// @notice Invariants against a rogue operator (issue 12) over random sequences of commits, reveals, honest
///         settles, skips, re-commits and same-block pool trades (runs/depth in foundry.toml).
contract OperatorAdversaryInvariantTest is Helper {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    OperatorAdversaryHandler internal handler;

    function setUp() public override {
        super.setUp();
        uint256[3] memory keys = [uint256(0x5151), 0x5252, 0x5353];
        handler = new OperatorAdversaryHandler(settlement, tokenA, tokenB, pair, operator, keys);
        for (uint256 i; i < 3; ++i) {
            _fund(handler.traders(i), 1_000_000e18);
        }
        _fund(handler.operatorTrader(), 1_000_000e18);
        vm.warp(block.timestamp + 12); // the pair was funded in this block's timestamp
        vm.roll(block.number + 1);
    }

    /// @dev forge reads the fuzzed contracts and selectors from these (forge-std's StdInvariant, inlined).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory selectors) {
        selectors = new FuzzSelector[](1);
        bytes4[] memory fns = new bytes4[](6);
        fns[0] = OperatorAdversaryHandler.commitOrders.selector;
        fns[1] = OperatorAdversaryHandler.advance.selector;
        fns[2] = OperatorAdversaryHandler.settleHonest.selector;
        fns[3] = OperatorAdversaryHandler.skip.selector;
        fns[4] = OperatorAdversaryHandler.recommit.selector;
        fns[5] = OperatorAdversaryHandler.poolTradeThenSettle.selector;
        selectors[0] = FuzzSelector(address(handler), fns);
    }

    /// @notice No order executes outside the batch it was revealed for; no trader receives (by balance) less
    ///         than its limit; no settle succeeds against a pair moved earlier in its block.
    function invariant_operatorCannotMoveOrdersOrPrices() public view {
        assertEq(handler.violations(), 0, "violations");
    }

    /// @notice The handler's attacks happen and are refused for the intended reason (the invariant is not
    ///         vacuous): a fixed sequence of every action.
    function test_handlerAttacksAreRefused() public {
        for (uint256 i; i < 24; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(i)));
            handler.commitOrders(seed, uint8(i));
            handler.advance(uint8(seed));
            handler.recommit(seed, i % 2 == 0);
            handler.poolTradeThenSettle(seed, seed);
            if (i % 3 == 0) handler.skip(seed);
            handler.advance(1);
            handler.settleHonest(i);
        }
        assertEq(handler.violations(), 0, "violations");
        assertGe(handler.honestSettles(), 5, "honest batches settle");
        assertGe(handler.executedOrders(), 5, "and execute orders");
        assertGe(handler.skips(), 2, "skips happen");
        assertGe(handler.recommitsRefusedByDeadline(), 5, "re-commits refused by commitBy");
        assertEq(handler.recommitAttacks(), handler.recommitsRefusedByDeadline(), "every re-commit refused by commitBy");
        assertGe(handler.poolAttacksRefused(), 5, "same-block pool moves refused");
        assertEq(handler.poolAttacks(), handler.poolAttacksRefused(), "every same-block pool move refused");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../src/VeilSettlement.sol";
import {Helper} from "./utils/Helper.sol";
import {vm} from "./utils/Vm.sol";

/// @notice The exact edges of settle's rules and of the nonce bitmap: settling at the second an order expires,
///         and on-chain cancels that add to, never overwrite, the bits already used (issue 20: mutants C3, C12).
contract VeilSettlementBoundariesTest is Helper {
    /// @notice `validTo` is inclusive: an order settles in a block stamped exactly `validTo`, not one later.
    function test_settlesAtExactlyValidTo() public {
        Batch memory b = _crossingBatch();
        vm.warp(b.trades[0].validTo);
        _settle(b);
        assertTrue(settlement.isNonceUsed(trader1, b.trades[0].nonce), "settled at validTo");
    }

    function test_RevertWhen_OneSecondPastValidTo() public {
        Batch memory b = _crossingBatch();
        vm.warp(uint256(b.trades[0].validTo) + 1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.OrderExpired.selector, 0));
        _settle(b);
    }

    /// @notice After a settle used nonce 1, invalidating nothing (mask 0) or other bits of the same word keeps it
    ///         used: the order cannot be replayed in a later batch.
    function test_invalidateNoncesKeepsUsedBits() public {
        Batch memory b = _crossingBatch();
        _settle(b);
        vm.startPrank(trader1);
        settlement.invalidateNonces(0, 0);
        settlement.invalidateNonces(0, 1 << 5);
        vm.stopPrank();
        assertTrue(settlement.isNonceUsed(trader1, 1), "settled nonce still used");
        assertTrue(settlement.isNonceUsed(trader1, 5), "cancelled nonce used");
        assertEq(settlement.nonceBitmap(trader1, 0), (1 << 1) | (1 << 5), "bits accumulate");

        Batch memory replay = _crossingBatch(); // the same two orders, committed again
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NonceUsed.selector, trader1, 1));
        _settle(replay);
    }

    /// @notice Two cancels of one word keep both.
    function test_invalidateNoncesTwiceKeepsBoth() public {
        vm.startPrank(trader2);
        settlement.invalidateNonces(3, 1 << 7);
        settlement.invalidateNonces(3, 1 << 9);
        vm.stopPrank();
        assertEq(settlement.nonceBitmap(trader2, 3), (1 << 7) | (1 << 9), "both cancels kept");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {VeilSettlement} from "../src/VeilSettlement.sol";
import {VeilAdmin} from "../src/VeilAdmin.sol";
import {Helper} from "./utils/Helper.sol";
import {vm} from "./utils/Vm.sol";

/// @notice commit, trader nonces, owner actions and views.
contract VeilSettlementAdminTest is Helper {
    event BatchCommitted(uint256 indexed batchId, bytes32 root, uint32 leafCount, address indexed operator);
    event NoncesInvalidated(address indexed trader, uint256 word, uint256 mask);

    function test_commitRecordsBatchWithSequentialIds() public {
        vm.expectEmit(true, true, false, true);
        emit BatchCommitted(1, bytes32(uint256(1)), 5, operator);
        vm.prank(operator);
        assertEq(settlement.commit(bytes32(uint256(1)), 5), 1, "first id");
        vm.prank(operator);
        assertEq(settlement.commit(bytes32(uint256(2)), 1), 2, "second id");
        (bytes32 root, uint32 leafCount, uint64 commitBlock, bool settled, address op) = settlement.batches(1);
        assertEq(root, bytes32(uint256(1)), "root");
        assertEq(leafCount, 5, "leafCount");
        assertEq(commitBlock, block.number, "commitBlock");
        assertTrue(!settled, "not settled");
        assertEq(op, operator, "operator");
        assertEq(settlement.batchCount(), 2, "batchCount");
    }

    function test_RevertWhen_CommitCallerIsNotOperator() public {
        vm.prank(trader1);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NotOperator.selector, trader1));
        settlement.commit(bytes32(uint256(1)), 1);
    }

    function test_RevertWhen_CommitRootIsZero() public {
        vm.prank(operator);
        vm.expectRevert(VeilSettlement.ZeroRoot.selector);
        settlement.commit(bytes32(0), 1);
    }

    function test_RevertWhen_CommitHasNoLeaves() public {
        vm.prank(operator);
        vm.expectRevert(VeilSettlement.EmptyBatch.selector);
        settlement.commit(bytes32(uint256(1)), 0);
    }

    function test_RevertWhen_OperatorWasRemoved() public {
        vm.prank(owner);
        settlement.setOperator(operator, false);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.NotOperator.selector, operator));
        settlement.commit(bytes32(uint256(1)), 1);
    }

    function testFuzz_invalidateNoncesSetsExactlyTheMask(uint256 word, uint256 mask, uint8 bit) public {
        word = bound(word, 0, type(uint248).max);
        vm.expectEmit(true, false, false, true);
        emit NoncesInvalidated(trader1, word, mask);
        vm.prank(trader1);
        settlement.invalidateNonces(word, mask);
        assertEq(settlement.nonceBitmap(trader1, word), mask, "bitmap");
        uint256 nonce = (word << 8) | bit;
        assertTrue(settlement.isNonceUsed(trader1, nonce) == ((mask >> bit) & 1 == 1), "isNonceUsed");
        assertTrue(!settlement.isNonceUsed(trader2, nonce), "other trader untouched");
    }

    function test_ownerSetsOperatorPoolAndWindow() public {
        vm.startPrank(owner);
        settlement.setOperator(trader1, true);
        settlement.setPool(address(0xBEEF), true);
        settlement.setWindow(5, 9);
        vm.stopPrank();
        assertTrue(settlement.isOperator(trader1) && settlement.isPool(address(0xBEEF)), "allow-listed");
        assertEq(settlement.revealDelay(), 5, "revealDelay");
        assertEq(settlement.expiry(), 9, "expiry");
    }

    function test_RevertWhen_SetOperatorCallerIsNotOwner() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        settlement.setOperator(operator, true);
    }

    function test_RevertWhen_SetPoolCallerIsNotOwner() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        settlement.setPool(address(1), true);
    }

    function test_RevertWhen_SetWindowCallerIsNotOwner() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        settlement.setWindow(1, 2);
    }

    function test_RevertWhen_WindowRevealDelayAfterExpiry() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(VeilAdmin.InvalidWindow.selector, 3, 2));
        settlement.setWindow(3, 2);
    }

    function test_RevertWhen_WindowAboveMax() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(VeilAdmin.InvalidWindow.selector, 0, 65_536));
        settlement.setWindow(0, 65_536);
        vm.prank(owner);
        settlement.setWindow(65_535, 65_535); // the largest window is accepted
    }

    function test_RevertWhen_CommitHasTooManyLeaves() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.TooManyLeaves.selector, 65_536, 65_535));
        settlement.commit(bytes32(uint256(1)), 65_536);
        vm.prank(operator);
        settlement.commit(bytes32(uint256(1)), 65_535);
    }

    /// @dev I2: a batch keeps the window in force at its commit; `batchWindow` reports it.
    function test_committedBatchKeepsItsWindow() public {
        vm.prank(operator);
        settlement.commit(bytes32(uint256(1)), 1);
        uint256 c = block.number;
        vm.prank(owner);
        settlement.setWindow(0, 1);
        (uint64 first, uint64 last) = settlement.batchWindow(1);
        assertEq(first, c + REVEAL_DELAY, "first block: the old reveal delay");
        assertEq(last, c + EXPIRY, "last block: the old expiry");
        vm.prank(operator);
        settlement.commit(bytes32(uint256(2)), 1);
        (first, last) = settlement.batchWindow(2);
        assertEq(first, c, "a later batch gets the new delay");
        assertEq(last, c + 1, "and the new expiry");
        (first, last) = settlement.batchWindow(3);
        assertEq(first + last, 0, "no such batch");
    }

    function test_RevertWhen_ConstructedWithInvalidWindow() public {
        vm.expectRevert(abi.encodeWithSelector(VeilAdmin.InvalidWindow.selector, 21, 20));
        new VeilSettlement(owner, 21, 20);
    }

    function test_RevertWhen_ConstructedWithZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new VeilSettlement(address(0), 2, 20);
    }

    function test_ownershipTransfersInTwoSteps() public {
        vm.prank(owner);
        settlement.transferOwnership(trader1);
        assertEq(settlement.owner(), owner, "still owner until accepted");
        vm.prank(trader1);
        settlement.acceptOwnership();
        assertEq(settlement.owner(), trader1, "new owner");
    }

    function test_RevertWhen_OwnershipAcceptedByOther() public {
        vm.prank(owner);
        settlement.transferOwnership(trader1);
        vm.prank(trader2);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, trader2));
        settlement.acceptOwnership();
    }

    function test_domainSeparatorFollowsChainId() public {
        bytes32 separator = settlement.domainSeparator();
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Veil"),
                keccak256("1"),
                block.chainid,
                address(settlement)
            )
        );
        assertEq(separator, expected, "EIP-712 domain");
    }
}

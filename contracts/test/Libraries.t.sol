// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../src/VeilSettlement.sol";
import {Trade as TradeData} from "../src/SettlementTypes.sol";
import {MerkleLib} from "../src/libraries/MerkleLib.sol";
import {OrderLib} from "../src/libraries/OrderLib.sol";
import {Helper} from "./utils/Helper.sol";
import {vm} from "./utils/Vm.sol";

/// @notice MerkleLib and OrderLib against straightforward reference code; pricing and rounding by fuzzing
///         real settlements.
contract LibrariesTest is Helper {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           MERKLE                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_merkleRootOfOneLeafIsTheLeaf() public pure {
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = keccak256("leaf");
        assertEq(MerkleLib.root(leaves), keccak256("leaf"), "root");
    }

    function test_merkleCarriesOddNodeUp() public pure {
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = keccak256("a");
        leaves[1] = keccak256("b");
        leaves[2] = keccak256("c");
        bytes32 expected = MerkleLib.hashPair(MerkleLib.hashPair(leaves[0], leaves[1]), leaves[2]);
        assertEq(MerkleLib.root(leaves), expected, "root");
    }

    function test_RevertWhen_MerkleTreeIsEmpty() public {
        vm.expectRevert(MerkleLib.EmptyTree.selector);
        this.rootOf(new bytes32[](0));
    }

    function rootOf(bytes32[] memory leaves) external pure returns (bytes32) {
        return MerkleLib.root(leaves);
    }

    function testFuzz_merkleRootMatchesReference(uint256 seed, uint256 count) public pure {
        count = bound(count, 1, 70);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
        bytes32 expected = _referenceRoot(leaves);
        assertEq(MerkleLib.root(leaves), expected, "root");
    }

    function testFuzz_merkleProofOfEveryLeafVerifies(uint256 seed, uint256 count, uint256 index) public pure {
        count = bound(count, 1, 40);
        index = bound(index, 0, count - 1);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
        bytes32 leaf = leaves[index];
        bytes32 node = leaf;
        // Walk up as client/merkle/merkleTree.ts getMerkleProof does.
        bytes32[] memory level = leaves;
        uint256 i = index;
        while (level.length > 1) {
            if ((i ^ 1) < level.length) node = MerkleLib.hashPair(node, level[i ^ 1]);
            level = _nextLevel(level);
            i >>= 1;
        }
        assertEq(node, _referenceRoot(leaves), "proof leads to the root");
    }

    function _nextLevel(bytes32[] memory level) internal pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i < level.length; i += 2) {
            next[i / 2] = i + 1 < level.length ? _sortedHash(level[i], level[i + 1]) : level[i];
        }
    }

    function _sortedHash(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return uint256(a) < uint256(b) ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function _referenceRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _nextLevel(level);
        }
        return level[0];
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            ORDER                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_orderTypeHashMatchesItsPreimage() public pure {
        assertEq(
            OrderLib.TYPE_HASH,
            keccak256(
                "Order(address trader,address sellToken,address buyToken,uint256 sellAmount,uint256 minBuyAmount,uint256 nonce,uint64 validTo,uint64 commitBy,uint256 feeAmount)"
            ),
            "type hash"
        );
    }

    function testFuzz_orderDigestMatchesAbiEncoding(OrderLib.Order memory o, bytes32 separator, bytes32 salt)
        public
        pure
    {
        bytes32 structHash = keccak256(
            abi.encode(
                OrderLib.TYPE_HASH,
                o.trader,
                o.sellToken,
                o.buyToken,
                o.sellAmount,
                o.minBuyAmount,
                o.nonce,
                o.validTo,
                o.commitBy,
                o.feeAmount
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", separator, structHash));
        assertEq(OrderLib.hash(o, separator), digest, "digest");
        assertEq(OrderLib.leaf(digest, salt), keccak256(abi.encode(digest, salt)), "leaf");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      PRICING / ROUNDING                    */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev trader1 sells `sellA` of A; trader2 sells exactly what trader1 buys in B. Both are paid
    ///      floor(sell * pSell / pBuy), the rounding dust stays with the contract, never a trader.
    function testFuzz_buyAmountIsFlooredAgainstTheTrader(uint256 sellA, uint256 pA, uint256 pB) public {
        sellA = bound(sellA, 1, 1e27);
        pA = bound(pA, 1, 1e30);
        pB = bound(pB, 1, 1e30);
        uint256 buy1 = sellA * pA / pB;
        vm.assume(buy1 > 0 && buy1 <= 1e27);
        uint256 buy2 = buy1 * pB / pA;
        Batch memory b = _pricedBatch(sellA, buy1, buy1, buy2, pA, pB);
        uint256 a2 = tokenA.balanceOf(trader2);
        uint256 b1 = tokenB.balanceOf(trader1);
        _settle(b);
        assertEq(tokenB.balanceOf(trader1) - b1, buy1, "trader1 paid floor(sell * pA / pB)");
        assertEq(tokenA.balanceOf(trader2) - a2, buy2, "trader2 paid floor(sell * pB / pA)");
        assertLe(buy1 * pB, sellA * pA, "value received <= value sold at clearing prices");
        assertEq(tokenA.balanceOf(address(settlement)), sellA - buy2, "rounding dust stays in the contract");
    }

    function testFuzz_RevertWhen_LimitOneAboveClearingAmount(uint256 sellA, uint256 pA, uint256 pB) public {
        sellA = bound(sellA, 1, 1e27);
        pA = bound(pA, 1, 1e30);
        pB = bound(pB, 1, 1e30);
        uint256 buy1 = sellA * pA / pB;
        vm.assume(buy1 <= 1e27);
        Batch memory b = _pricedBatch(sellA, buy1 + 1, buy1 == 0 ? 1 : buy1, 0, pA, pB);
        vm.expectRevert(abi.encodeWithSelector(VeilSettlement.LimitNotMet.selector, 0, buy1, buy1 + 1));
        _settle(b);
    }

    function _pricedBatch(uint256 sellA, uint256 minBuy1, uint256 sellB, uint256 minBuy2, uint256 pA, uint256 pB)
        internal
        returns (Batch memory b)
    {
        tokenA.mint(trader1, sellA);
        tokenB.mint(trader2, sellB);
        b.tokens = _tokensAB();
        b.prices = _prices(pA, pB);
        b.trades = new TradeData[](2);
        bytes32[] memory committed = new bytes32[](2);
        (b.trades[0], committed[0]) =
            _trade(TRADER1_KEY, _order(trader1, address(tokenA), address(tokenB), sellA, minBuy1, 1), 0, b.tokens);
        (b.trades[1], committed[1]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), sellB, minBuy2, 2), 1, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](2);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MerkleLib
/// @notice Veil's batch Merkle root, identical to `client/merkle/merkleTree.ts`: leaves in batch order; a
///         parent is keccak256(min(a, b) ++ max(a, b)) (sorted pair, so proofs need no direction bits); on a
///         level with an odd count the last node is carried up unchanged; a one-leaf tree's root is the leaf.
library MerkleLib {
    /// @dev The tree has no leaves.
    error EmptyTree();

    /// @notice The root over all `nodes`. Overwrites `nodes` in place (it is the caller's scratch copy).
    function root(bytes32[] memory nodes) internal pure returns (bytes32 result) {
        uint256 n = nodes.length;
        if (n == 0) revert EmptyTree();
        /// @solidity memory-safe-assembly
        assembly {
            let base := add(nodes, 0x20)
            for {} gt(n, 1) {} {
                let half := shr(1, n)
                for { let i := 0 } lt(i, half) { i := add(i, 1) } {
                    let p := add(base, shl(6, i))
                    let a := mload(p)
                    let b := mload(add(p, 0x20))
                    // Sorted pair into the scratch space, then the parent over the lower index.
                    let lt_ := lt(a, b)
                    mstore(0x00, xor(a, mul(xor(a, b), iszero(lt_))))
                    mstore(0x20, xor(b, mul(xor(a, b), iszero(lt_))))
                    mstore(add(base, shl(5, i)), keccak256(0x00, 0x40))
                }
                // Odd count: the last node moves up unchanged.
                if and(n, 1) { mstore(add(base, shl(5, half)), mload(add(base, shl(5, sub(n, 1))))) }
                n := add(half, and(n, 1))
            }
            result := mload(base)
        }
    }

    /// @notice Hash of two sibling nodes, independent of their order.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 result) {
        /// @solidity memory-safe-assembly
        assembly {
            switch lt(a, b)
            case 1 {
                mstore(0x00, a)
                mstore(0x20, b)
            }
            default {
                mstore(0x00, b)
                mstore(0x20, a)
            }
            result := keccak256(0x00, 0x40)
        }
    }
}

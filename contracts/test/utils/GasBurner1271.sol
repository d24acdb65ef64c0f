// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice An EIP-1271 "wallet" that never answers: `isValidSignature` hashes with the SHA-256 precompile in a
///         loop until its gas runs out. Without a gas cap one call burns a whole block's gas of node time (the
///         abuse of issue 13); the relay must refuse it fast, under the contract's EIP1271_GAS_LIMIT.
contract GasBurner1271 {
    /// @dev Loops on the SHA-256 precompile until out of gas; never returns.
    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        bytes32 h = digest;
        while (true) {
            (, bytes memory out) = address(2).staticcall(abi.encode(h));
            h = bytes32(out);
        }
        return 0x1626ba7e;
    }
}

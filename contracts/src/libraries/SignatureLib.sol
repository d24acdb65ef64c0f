// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title SignatureLib
/// @notice Checks that `signer` signed `digest`: a 65-byte ECDSA signature (r ++ s ++ v) recovering to the
///         signer, or else, when the signer has code, an EIP-1271 `isValidSignature` approval.
/// @dev ECDSA is tried first so an EOA trader costs one ecrecover and no EXTCODESIZE of its account
///      (the trader's account is otherwise never touched by settle). High-s and v other than 27/28 are
///      never accepted as ECDSA, so a signature cannot be made malleable.
library SignatureLib {
    /// @dev secp256k1n / 2: the largest `s` accepted (EIP-2).
    uint256 internal constant MAX_S = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @dev `isValidSignature(bytes32,bytes)` selector, returned by an EIP-1271 wallet that approves.
    bytes4 internal constant EIP1271_MAGIC = 0x1626ba7e;

    /// @notice True when `signature` is `signer`'s valid signature of `digest`.
    function isValid(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool ok) {
        if (signature.length == 65) {
            /// @solidity memory-safe-assembly
            assembly {
                let m := mload(0x40) // saved: the scratch below overwrites the free memory pointer
                let s := calldataload(add(signature.offset, 0x20))
                let v := byte(0, calldataload(add(signature.offset, 0x40)))
                // Low-s (EIP-2) and v in {27, 28} only, so no signature is malleable.
                if and(iszero(gt(s, MAX_S)), or(eq(v, 27), eq(v, 28))) {
                    mstore(0x00, digest)
                    mstore(0x20, v)
                    mstore(0x40, calldataload(signature.offset))
                    mstore(0x60, s)
                    let recovered := mload(staticcall(gas(), 1, 0x00, 0x80, 0x01, 0x20))
                    // The precompile returns nothing for an invalid signature: `recovered` then reads the
                    // word at 0x01, not a clean address, and cannot equal `signer`.
                    ok := and(eq(recovered, signer), iszero(iszero(returndatasize())))
                    mstore(0x60, 0)
                }
                mstore(0x40, m)
            }
            if (ok) return true;
        }
        if (signer.code.length == 0) return false;
        (bool success, bytes memory ret) =
            signer.staticcall(abi.encodeWithSelector(EIP1271_MAGIC, digest, signature));
        if (!success || ret.length < 32) return false;
        bytes32 word;
        /// @solidity memory-safe-assembly
        assembly {
            word := mload(add(ret, 0x20))
        }
        ok = word == bytes32(EIP1271_MAGIC);
    }
}

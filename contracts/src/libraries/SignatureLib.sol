// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title SignatureLib
/// @notice Checks that `signer` signed `digest`: a 65-byte ECDSA signature (r ++ s ++ v) recovering to the
///         signer, or else, when the signer has code, an EIP-1271 `isValidSignature` approval.
/// @dev ECDSA is tried first so an EOA trader costs one ecrecover and no EXTCODESIZE of its account
///      (the trader's account is otherwise never touched by settle). High-s and v other than 27/28 are
///      never accepted as ECDSA, so a signature cannot be made malleable.
///      The EIP-1271 call is bounded (F3): it gets exactly `EIP1271_GAS_LIMIT` gas and at most 32 bytes of its
///      return data are copied, so a wallet that burns gas or returns a huge payload to the settlement only
///      fails its own trade (`InvalidSignature(tradeIndex)` in settle, with revert data naming it) instead of
///      running the whole batch out of gas with no revert data.
library SignatureLib {
    /// @dev Too little gas left to give an EIP-1271 wallet its full `EIP1271_GAS_LIMIT`: the transaction's gas
    ///      limit is too low (raise it), not the wallet's fault, so no trade is blamed.
    error InsufficientGasForWalletCall(uint256 gasLeft, uint256 required);

    /// @dev Gas an EIP-1271 wallet's `isValidSignature` gets in settle. Wallet requirement: answer within this
    ///      much gas with exactly 32 bytes (the ABI-encoded magic value); anything else is an invalid signature.
    ///      The relay's intake checks signatures with the same cap.
    uint256 internal constant EIP1271_GAS_LIMIT = 50_000;

    /// @dev Gas that must be left before the EIP-1271 call so the wallet gets its full cap despite the 63/64
    ///      rule (EIP-150), plus the call's own overhead.
    uint256 internal constant EIP1271_GAS_REQUIRED = EIP1271_GAS_LIMIT * 64 / 63 + 5_000;

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
        if (gasleft() < EIP1271_GAS_REQUIRED) revert InsufficientGasForWalletCall(gasleft(), EIP1271_GAS_REQUIRED);
        /// @solidity memory-safe-assembly
        assembly {
            // isValidSignature(digest, signature), ABI-encoded above the free memory pointer (scratch, not kept).
            let m := mload(0x40)
            let len := signature.length
            mstore(m, shl(224, 0x1626ba7e))
            mstore(add(m, 0x04), digest)
            mstore(add(m, 0x24), 0x40)
            mstore(add(m, 0x44), len)
            calldatacopy(add(m, 0x64), signature.offset, len)
            mstore(add(add(m, 0x64), len), 0) // zero padding of the last word
            let size := add(0x64, and(add(len, 0x1f), not(0x1f)))
            mstore(0x00, 0)
            // Capped gas; only the first 32 bytes of the return data are copied (to scratch 0x00).
            let success := staticcall(EIP1271_GAS_LIMIT, signer, m, size, 0x00, 0x20)
            ok := and(and(success, eq(returndatasize(), 0x20)), eq(mload(0x00), shl(224, 0x1626ba7e)))
        }
    }
}

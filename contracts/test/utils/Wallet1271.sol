// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A smart-contract wallet (EIP-1271) that approves exactly the digests its owner pre-approved, and
///         can call tokens' `approve` for its owner.
contract Wallet1271 {
    address public immutable owner;
    mapping(bytes32 => bool) public approved;

    constructor(address owner_) {
        owner = owner_;
    }

    function approveDigest(bytes32 digest) external {
        require(msg.sender == owner);
        approved[digest] = true;
    }

    function execute(address target, bytes calldata data) external {
        require(msg.sender == owner);
        (bool ok,) = target.call(data);
        require(ok);
    }

    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return approved[digest] ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice An EIP-1271 wallet that answers every caller normally until its owner arms it, then answers with a
///         100 kB payload (a return bomb): it passes the relay's intake check and fails at settle, as a
///         malicious trader would (audit finding F3). Used by the relay's devnet suite.
contract SwitchableBomb1271 {
    address public immutable owner;
    bool public armed;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @dev From now on every `isValidSignature` call returns the bomb.
    function arm() external {
        require(msg.sender == owner);
        armed = true;
    }

    /// @dev Lets the owner approve tokens for the wallet.
    function execute(address target, bytes calldata data) external {
        require(msg.sender == owner);
        (bool ok,) = target.call(data);
        require(ok);
    }

    /// @dev The magic value while disarmed; armed, the magic value followed by 100 kB of zeros.
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        if (!armed) return 0x1626ba7e;
        assembly {
            mstore(0, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
            return(0, 100000)
        }
    }
}

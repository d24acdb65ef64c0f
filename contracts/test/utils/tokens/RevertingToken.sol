// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @notice An ERC-20 whose transfers can be switched off (a paused or blocklisting token): then they revert.
contract RevertingToken is ERC20 {
    /// @dev Transfers are switched off.
    error TransfersPaused();

    bool public paused;

    function name() public pure override returns (string memory) {
        return "Pausable";
    }

    function symbol() public pure override returns (string memory) {
        return "PAUSE";
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setPaused(bool paused_) external {
        paused = paused_;
    }

    function _beforeTokenTransfer(address from, address to, uint256) internal view override {
        if (paused && from != address(0) && to != address(0)) revert TransfersPaused();
    }
}

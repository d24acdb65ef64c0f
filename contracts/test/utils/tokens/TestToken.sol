// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @notice A well-behaved ERC-20 anyone can mint, for tests.
contract TestToken is ERC20 {
    string private _symbol;

    constructor(string memory symbol_) {
        _symbol = symbol_;
    }

    function name() public view override returns (string memory) {
        return _symbol;
    }

    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

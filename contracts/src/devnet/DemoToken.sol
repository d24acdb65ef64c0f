// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @title DemoToken
/// @notice Plain ERC-20 with a fixed decimals value and an owner-only mint, for the local devnet only
///         (stand-ins for USDC with 6 decimals and DAI with 18). Never deployed outside a dev chain.
contract DemoToken is ERC20 {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @dev The caller of `mint` is not the deployer.
    error NotMinter();

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    string private _name;
    string private _symbol;
    uint8 private immutable _decimals;
    /// @notice The only account allowed to mint (the devnet deployer).
    address public immutable minter;

    /// @param name_ Token name, e.g. "USD Coin (devnet)".
    /// @param symbol_ Token symbol, e.g. "USDC".
    /// @param decimals_ Decimals reported by `decimals()`.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        _name = name_;
        _symbol = symbol_;
        _decimals = decimals_;
        minter = msg.sender;
    }

    /// @notice Mints `amount` to `to`; devnet funding only.
    /// @param to Recipient.
    /// @param amount Amount in token units (respecting `decimals()`).
    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter();
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function name() public view override returns (string memory) {
        return _name;
    }

    /// @inheritdoc ERC20
    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}

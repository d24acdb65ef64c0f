// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @notice An ERC-20 that burns 1% of every transfer: the recipient gets less than was sent.
contract FeeOnTransferToken is ERC20 {
    function name() public pure override returns (string memory) {
        return "Fee";
    }

    function symbol() public pure override returns (string memory) {
        return "FEE";
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        uint256 fee = amount / 100;
        _burn(msg.sender, fee);
        return super.transfer(to, amount - fee);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        uint256 fee = amount / 100;
        _spendAllowance(from, msg.sender, fee);
        _burn(from, fee);
        return super.transferFrom(from, to, amount - fee);
    }
}

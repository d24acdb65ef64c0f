// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @notice An ERC-20 that, once armed, calls back into `target` with `data` on its next transfer and records
///         how that call ended (to test that settle cannot be re-entered).
contract ReentrantToken is ERC20 {
    address public target;
    bytes public data;
    bool public reentryOk;
    bytes public reentryResult;

    function name() public pure override returns (string memory) {
        return "Reenter";
    }

    function symbol() public pure override returns (string memory) {
        return "REE";
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data_) external {
        target = target_;
        data = data_;
    }

    function _beforeTokenTransfer(address from, address to, uint256) internal override {
        address t = target;
        if (t == address(0) || from == address(0) || to == address(0)) return;
        target = address(0);
        (reentryOk, reentryResult) = t.call(data);
    }
}

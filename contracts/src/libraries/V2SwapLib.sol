// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";

/// @title V2SwapLib
/// @notice Exact-input swap against one Uniswap V2 pair, the way the V2 router does it, without the router:
///         pay the pair, then call `swap` for the output computed from its reserves (0.3% fee).
library V2SwapLib {
    using SafeTransferLib for address;

    /// @dev `tokenIn` is neither token of `pair`.
    error TokenNotInPool(address pair, address tokenIn);

    /// @dev The pair's reserves give less than the solver's `minAmountOut`.
    error InsufficientOutput(address pair, uint256 amountOut, uint256 minAmountOut);

    /// @notice V2's `getAmountOut`: output for `amountIn` against reserves, 0.3% fee, rounded down.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        if (amountIn == 0 || reserveIn == 0 || reserveOut == 0) return 0;
        uint256 amountInWithFee = amountIn * 997;
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice Sends `amountIn` of `tokenIn` to `pair` and swaps it for the other token, paid to `to`;
    ///         reverts before paying the pair if the output would be below `minAmountOut`.
    /// @return tokenOut the token received.
    /// @return amountOut the amount `pair.swap` was asked to send.
    function swapExactIn(address pair, address tokenIn, uint256 amountIn, uint256 minAmountOut, address to)
        internal
        returns (address tokenOut, uint256 amountOut)
    {
        address token0 = IUniswapV2Pair(pair).token0();
        address token1 = IUniswapV2Pair(pair).token1();
        bool zeroForOne = tokenIn == token0;
        if (!zeroForOne && tokenIn != token1) revert TokenNotInPool(pair, tokenIn);
        tokenOut = zeroForOne ? token1 : token0;
        (uint256 r0, uint256 r1,) = IUniswapV2Pair(pair).getReserves();
        amountOut = zeroForOne ? getAmountOut(amountIn, r0, r1) : getAmountOut(amountIn, r1, r0);
        if (amountOut < minAmountOut) revert InsufficientOutput(pair, amountOut, minAmountOut);
        tokenIn.safeTransfer(pair, amountIn);
        (uint256 out0, uint256 out1) = zeroForOne ? (uint256(0), amountOut) : (amountOut, uint256(0));
        IUniswapV2Pair(pair).swap(out0, out1, to, "");
    }
}

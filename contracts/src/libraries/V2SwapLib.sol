// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";

/// @title V2SwapLib
/// @notice Exact-input swap against one Uniswap V2 pair, the way the V2 router does it, without the router:
///         pay the pair, then call `swap` for the output computed from its reserves (0.3% fee).
/// @dev Same-block guard (F2): a pair whose reserves were written earlier in this block (any swap, mint,
///      burn or sync stamps `blockTimestampLast = uint32(block.timestamp)`) is refused, so whoever orders the
///      block (a rogue operator's bundle) cannot move the price just before a batch's residual swap and back
///      after it. The settle must be the first to touch its pools in its block; a bundle that reverts is not
///      included and is retried the next block.
///      False positives: where two consecutive blocks can carry the same timestamp (anvil's automine within one
///      wall-clock second; never on Ethereum, whose slots are 12 s apart), a pair touched in the previous block
///      also reads as touched: the settle is only delayed, never wrong. (The devnet builder stamps every block
///      at least parent + 1 s.)
///      Not covered: a manipulation spanning blocks (move the price at the end of block N, settle first in
///      N + 1, move it back later). The mover holds the position across a block boundary, where any
///      arbitrageur or the next block's builder can trade against it, unless it controls consecutive blocks;
///      and the traders are still protected by their signed `minBuyAmount`, which the settle enforces by
///      balance. A bound against an older pool state (e.g. the V2 cumulative-price TWAP) would cap that too;
///      see the README's contract section.
library V2SwapLib {
    using SafeTransferLib for address;

    /// @dev `tokenIn` is neither token of `pair`.
    error TokenNotInPool(address pair, address tokenIn);

    /// @dev The pair's reserves give less than the solver's `minAmountOut`.
    error InsufficientOutput(address pair, uint256 amountOut, uint256 minAmountOut);

    /// @dev The pair was already traded or synced in this block (its `blockTimestampLast` is this block's).
    error PoolTouchedThisBlock(address pool);

    /// @notice V2's `getAmountOut`: output for `amountIn` against reserves, 0.3% fee, rounded down.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        if (amountIn == 0 || reserveIn == 0 || reserveOut == 0) return 0;
        uint256 amountInWithFee = amountIn * 997;
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice Sends `amountIn` of `tokenIn` to `pair` and swaps it for the other token, paid to `to`;
    ///         reverts before paying the pair if the pair was touched earlier in this block or the output would
    ///         be below `minAmountOut`.
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
        (uint256 r0, uint256 r1, uint32 lastTouched) = IUniswapV2Pair(pair).getReserves();
        // forge-lint: disable-next-line(block-timestamp)
        if (lastTouched == uint32(block.timestamp)) revert PoolTouchedThisBlock(pair);
        amountOut = zeroForOne ? getAmountOut(amountIn, r0, r1) : getAmountOut(amountIn, r1, r0);
        if (amountOut < minAmountOut) revert InsufficientOutput(pair, amountOut, minAmountOut);
        tokenIn.safeTransfer(pair, amountIn);
        (uint256 out0, uint256 out1) = zeroForOne ? (uint256(0), amountOut) : (amountOut, uint256(0));
        IUniswapV2Pair(pair).swap(out0, out1, to, "");
    }
}

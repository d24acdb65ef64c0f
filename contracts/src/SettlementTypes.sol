// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice One executed order of a batch, as the operator passes it to `VeilSettlement.settle`. The order's
///         tokens are `tokens[sellTokenIndex]` / `tokens[buyTokenIndex]` of the batch's token list, so the
///         signed order is rebuilt from these fields; `leafIndex` is where its leaf sits in the committed tree.
///         `feeAmount` (order v3) is the signed fee in the sell token, taken out of `sellAmount`.
/// @dev File-level (not inside the contract) because the contract's `Trade` event has the same name.
struct Trade {
    uint32 leafIndex;
    uint8 sellTokenIndex;
    uint8 buyTokenIndex;
    address trader;
    uint256 sellAmount;
    uint256 minBuyAmount;
    uint256 nonce;
    uint64 validTo;
    uint64 commitBy;
    uint256 feeAmount;
    bytes32 salt;
    bytes signature;
}

/// @notice A residual swap of `amountIn` of `tokenIn` against the allow-listed Uniswap V2 `pair`, output to
///         the settlement contract, reverting if below `minAmountOut`.
struct PoolSwap {
    address pair;
    address tokenIn;
    uint256 amountIn;
    uint256 minAmountOut;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {PoolSwap, Trade as TradeData} from "../SettlementTypes.sol";
import {V2SwapLib} from "./V2SwapLib.sol";

/// @title BatchTransferLib
/// @notice The token movements of a settled batch, run by `VeilSettlement.settle` after every check and effect:
///         pull the sells, run the residual swaps, pay the buys, and check the contract lost no token.
/// @dev Reads trades straight from the ABI-encoded `Trade` tuple head, as `VeilSettlement` does; every index and
///      address used here was validated there before any token moves.
library BatchTransferLib {
    using SafeTransferLib for address;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A swap names a pair that is not allow-listed.
    error PoolNotAllowed(address pair);
    /// @dev A swap's input or output token is not in the batch's `tokens`.
    error TokenNotInBatch(address token);
    /// @dev Pulling the sell amounts of `token` delivered less than requested (fee-on-transfer token).
    error ReceivedLess(address token, uint256 expected, uint256 received);
    /// @dev The contract would end the batch with less of `token` than it started with.
    error BalanceDecreased(address token, uint256 before, uint256 afterwards);
    /// @dev Paying trade `tradeIndex` `sent` of buy token `token` raised its balance by only `received`
    ///      (fee-on-transfer or similar): such buy tokens are refused (F5), so no trader is paid below its
    ///      signed `minBuyAmount` and the `Trade` event's `buyAmount` is what arrived.
    error FeeOnTransferBuyToken(address token, uint256 tradeIndex, uint256 sent, uint256 received);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          FUNCTIONS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Pulls every trade's sell amount, runs `swaps` against the pairs allowed in `isPool`, pays every
    ///         trade's buy amount, pays the batch's fees to `feeRecipient` (one transfer per token that collected
    ///         any), then checks that the contract ends with at least its starting balance of each token: the
    ///         fees are paid out of what the sells brought in, never out of what the contract held before.
    /// @param buyAmounts each trade's payout; pulledAndFees per token k the total sell amount pulled (fees
    ///        included) at k and the total signed fee at `tokens.length + k` (both from verification).
    function execute(
        address[] calldata tokens,
        TradeData[] calldata trades,
        PoolSwap[] calldata swaps,
        uint256[] memory buyAmounts,
        uint256[] memory pulledAndFees,
        address feeRecipient,
        mapping(address => bool) storage isPool
    ) internal {
        uint256[] memory before = _balancesOf(tokens);
        _pullSells(tokens, trades, before, pulledAndFees);
        _runSwaps(tokens, swaps, isPool);
        _payBuys(tokens, trades, buyAmounts);
        _payFees(tokens, pulledAndFees, feeRecipient);
        _checkConserved(tokens, before);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      PRIVATE HELPERS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Pulls every trade's sell amount from its trader, then checks each token arrived in full.
    function _pullSells(
        address[] calldata tokens,
        TradeData[] calldata trades,
        uint256[] memory before,
        uint256[] memory pulled
    ) private {
        for (uint256 i; i < trades.length; ++i) {
            (uint256 s, address trader, uint256 sellAmount) = _pullFields(trades, i);
            _tokenAt(tokens, s).safeTransferFrom(trader, address(this), sellAmount);
        }
        for (uint256 k; k < tokens.length; ++k) {
            if (pulled[k] == 0) continue;
            uint256 received = SafeTransferLib.balanceOf(tokens[k], address(this)) - before[k];
            if (received < pulled[k]) revert ReceivedLess(tokens[k], pulled[k], received);
        }
    }

    /// @dev Runs the residual swaps; both tokens of each must be in the batch so conservation covers them.
    function _runSwaps(address[] calldata tokens, PoolSwap[] calldata swaps, mapping(address => bool) storage isPool)
        private
    {
        for (uint256 i; i < swaps.length; ++i) {
            PoolSwap calldata sw = swaps[i];
            if (!isPool[sw.pair]) revert PoolNotAllowed(sw.pair);
            if (!_contains(tokens, sw.tokenIn)) revert TokenNotInBatch(sw.tokenIn);
            (address tokenOut,) =
                V2SwapLib.swapExactIn(sw.pair, sw.tokenIn, sw.amountIn, sw.minAmountOut, address(this));
            if (!_contains(tokens, tokenOut)) revert TokenNotInBatch(tokenOut);
        }
    }

    /// @dev Pays every trade's buy amount straight to its trader. The first payment of each buy token in the
    ///      batch is measured by the receiver's balance change (F5): a token that delivers less than sent is
    ///      refused for the whole batch. One probe per token, not per trade, keeps the cost per batch (two
    ///      balance reads per buy token); a token that charges some receivers and not others is adversarial to
    ///      its own holders and not caught beyond its first payment.
    function _payBuys(address[] calldata tokens, TradeData[] calldata trades, uint256[] memory buyAmounts)
        private
    {
        uint256 probed; // bit k set once token k's first payment was measured (token indices are < 256)
        for (uint256 i; i < trades.length; ++i) {
            (uint256 b, address trader) = _payFields(trades, i);
            uint256 buyAmount;
            /// @solidity memory-safe-assembly
            assembly {
                buyAmount := mload(add(add(buyAmounts, 0x20), shl(5, i))) // buyAmounts.length == trades.length
            }
            address token = _tokenAt(tokens, b);
            // forge-lint: disable-next-line(incorrect-shift)
            if (probed & (1 << b) != 0) {
                token.safeTransfer(trader, buyAmount);
                continue;
            }
            // forge-lint: disable-next-line(incorrect-shift)
            probed |= 1 << b;
            uint256 before = SafeTransferLib.balanceOf(token, trader);
            token.safeTransfer(trader, buyAmount);
            uint256 afterwards = SafeTransferLib.balanceOf(token, trader);
            uint256 received = afterwards > before ? afterwards - before : 0;
            if (received < buyAmount) revert FeeOnTransferBuyToken(token, i, buyAmount, received);
        }
    }

    /// @dev One transfer per token of the batch's accumulated fees to the fee recipient (issue 17: per batch,
    ///      not per order, so a trade's fee costs it a memory add, not a token transfer).
    function _payFees(address[] calldata tokens, uint256[] memory pulledAndFees, address feeRecipient) private {
        uint256 n = tokens.length;
        for (uint256 k; k < n; ++k) {
            uint256 amount = pulledAndFees[n + k];
            if (amount != 0) _tokenAt(tokens, k).safeTransfer(feeRecipient, amount);
        }
    }

    /// @dev Per token, the contract must end with at least what it started with.
    function _checkConserved(address[] calldata tokens, uint256[] memory before) private view {
        for (uint256 k; k < tokens.length; ++k) {
            uint256 afterwards = SafeTransferLib.balanceOf(tokens[k], address(this));
            if (afterwards < before[k]) revert BalanceDecreased(tokens[k], before[k], afterwards);
        }
    }

    /// @dev Trade `i`'s sell token index, trader and sell amount (validated in `VeilSettlement._applyTrade`
    ///      before any transfer): what pulling its sell needs.
    function _pullFields(TradeData[] calldata trades, uint256 i)
        private
        pure
        returns (uint256 s, address trader, uint256 sellAmount)
    {
        /// @solidity memory-safe-assembly
        assembly {
            let t := add(trades.offset, calldataload(add(trades.offset, shl(5, i))))
            s := calldataload(add(t, 0x20))
            trader := calldataload(add(t, 0x60))
            sellAmount := calldataload(add(t, 0x80))
        }
    }

    /// @dev Trade `i`'s buy token index and trader: what paying it needs, and no more calldata reads.
    function _payFields(TradeData[] calldata trades, uint256 i) private pure returns (uint256 b, address trader) {
        /// @solidity memory-safe-assembly
        assembly {
            let t := add(trades.offset, calldataload(add(trades.offset, shl(5, i))))
            b := calldataload(add(t, 0x40))
            trader := calldataload(add(t, 0x60))
        }
    }

    /// @dev `tokens[k]` for an index `k` already checked against `tokens.length` in `VeilSettlement._checkTrade`,
    ///      read without a second bounds check. Dirty high bits were refused already: `VeilSettlement._checkTokens`
    ///      reads every token through the checked ABI accessor (a batch with trades has at least two tokens).
    function _tokenAt(address[] calldata tokens, uint256 k) private pure returns (address token) {
        /// @solidity memory-safe-assembly
        assembly {
            token := calldataload(add(tokens.offset, shl(5, k)))
        }
    }

    /// @dev The contract's balance of each token.
    function _balancesOf(address[] calldata tokens) private view returns (uint256[] memory balances) {
        balances = new uint256[](tokens.length);
        for (uint256 k; k < tokens.length; ++k) {
            balances[k] = SafeTransferLib.balanceOf(tokens[k], address(this));
        }
    }

    /// @dev True when `token` is in `tokens`.
    function _contains(address[] calldata tokens, address token) private pure returns (bool) {
        for (uint256 k; k < tokens.length; ++k) {
            if (tokens[k] == token) return true;
        }
        return false;
    }
}

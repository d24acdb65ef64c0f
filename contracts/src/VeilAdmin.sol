// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title VeilAdmin
/// @notice The owner's configuration of the settlement: which operators may commit and settle, which Uniswap V2
///         pairs residual swaps may use, the settle window, and the fee recipient that sweeps receive.
///         Two-step ownership transfer.
abstract contract VeilAdmin is Ownable2Step {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev `revealDelay` is greater than `expiry`, or `expiry` is above `MAX_WINDOW`.
    error InvalidWindow(uint64 revealDelay, uint64 expiry);
    /// @dev The fee recipient cannot be the zero address (sweeps would burn).
    error ZeroFeeRecipient();

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           EVENTS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice The owner allowed or disallowed an operator.
    event OperatorSet(address indexed operator, bool allowed);
    /// @notice The owner allowed or disallowed a Uniswap V2 pair for residual swaps.
    event PoolSet(address indexed pair, bool allowed);
    /// @notice The owner changed the settle window (for batches committed from now on).
    event WindowSet(uint64 revealDelay, uint64 expiry);
    /// @notice The owner set where swept surplus, dust and stray tokens go.
    event FeeRecipientSet(address indexed recipient);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           STORAGE                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Largest `expiry` (blocks): each batch stores its window in 16 bits.
    uint64 public constant MAX_WINDOW = type(uint16).max;

    /// @notice Receives what `VeilSettlement.sweep` sends: batch surplus, rounding dust, tokens sent by mistake.
    address public feeRecipient;
    /// @notice Operators allowed to commit and settle.
    mapping(address => bool) public isOperator;
    /// @notice Uniswap V2 pairs allowed for residual swaps.
    mapping(address => bool) public isPool;
    /// @notice Blocks after the commit block before the batch may settle (for batches committed from now on).
    /// @dev The window is declared last: `VeilSettlement`'s batch counter packs into the same slot, so `commit`
    ///      reads the window it stores with the batch at no extra cold storage read.
    uint64 public revealDelay;
    /// @notice Blocks after the commit block after which the batch can no longer settle (for batches committed
    ///         from now on).
    uint64 public expiry;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTRUCTOR                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @param owner_ the owner (operators, pools, window, fee recipient); two-step transferable. Also the first
    ///        fee recipient.
    /// @param revealDelay_ blocks between commit and the first block settle may land in.
    /// @param expiry_ blocks between commit and the last block settle may land in.
    constructor(address owner_, uint64 revealDelay_, uint64 expiry_) Ownable(owner_) {
        _setWindow(revealDelay_, expiry_);
        feeRecipient = owner_;
        emit FeeRecipientSet(owner_);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        OWNER ACTIONS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Allows or disallows `operator` to commit and settle batches. Revoking stops it at once, including
    ///         for batches it already committed (they expire unsettled: no other operator may take them over).
    function setOperator(address operator, bool allowed) external onlyOwner {
        isOperator[operator] = allowed;
        emit OperatorSet(operator, allowed);
    }

    /// @notice Allows or disallows Uniswap V2 `pair` for residual swaps: the settlement pays the pair before it
    ///         swaps, so only vetted pairs (real V2 code, known tokens) may receive a batch's tokens.
    function setPool(address pair, bool allowed) external onlyOwner {
        isPool[pair] = allowed;
        emit PoolSet(pair, allowed);
    }

    /// @notice Sets the settle window for batches committed from now on. A batch keeps the window in force when
    ///         it was committed (I2): the owner cannot expire a committed batch, let it settle before its
    ///         reveal delay, or hold it open longer than its traders were told.
    function setWindow(uint64 revealDelay_, uint64 expiry_) external onlyOwner {
        _setWindow(revealDelay_, expiry_);
    }

    /// @notice Sets where `sweep` sends surplus, dust and stray tokens (F6: nothing the settlement holds is
    ///         frozen).
    function setFeeRecipient(address recipient) external onlyOwner {
        if (recipient == address(0)) revert ZeroFeeRecipient();
        feeRecipient = recipient;
        emit FeeRecipientSet(recipient);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          INTERNAL                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _setWindow(uint64 revealDelay_, uint64 expiry_) private {
        if (revealDelay_ > expiry_ || expiry_ > MAX_WINDOW) revert InvalidWindow(revealDelay_, expiry_);
        revealDelay = revealDelay_;
        expiry = expiry_;
        emit WindowSet(revealDelay_, expiry_);
    }
}

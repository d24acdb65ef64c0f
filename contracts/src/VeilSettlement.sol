// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";
import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {BatchTransferLib} from "./libraries/BatchTransferLib.sol";
import {MerkleLib} from "./libraries/MerkleLib.sol";
import {OrderLib} from "./libraries/OrderLib.sol";
import {SignatureLib} from "./libraries/SignatureLib.sol";
import {PoolSwap, Trade as TradeData} from "./SettlementTypes.sol";
import {VeilAdmin} from "./VeilAdmin.sol";

/// @title VeilSettlement
/// @notice Commit-reveal batch settlement at uniform clearing prices. An operator commits a batch's Merkle root
///         of order leaves; after `revealDelay` blocks and until `expiry` blocks it settles exactly the committed
///         orders, every trade at the batch's one price vector, residual imbalance swapped against
///         allow-listed Uniswap V2 pairs. Tokens move only inside `settle`: traders approve this contract and
///         it never holds their funds between transactions. Owner configuration: `VeilAdmin`; token
///         movements: `BatchTransferLib`.
///         Operator-proof (issue 12): the contract, not the relay's good behaviour, stops the operator from
///         executing an order in a batch committed after its signed `commitBy` (so not after a commit-mode
///         reveal: F1), settling against a pool already moved in the same block (F2), settling another
///         operator's batch (F4), or paying a trader below its limit through a fee-on-transfer buy token (F5);
///         contract wallets get a bounded EIP-1271 call (F3); surplus and stray tokens can be swept to the
///         owner's fee recipient (F6); a batch keeps the window it was committed under (I2). The operator still
///         chooses which committed orders to execute, the prices within every trader's limit, and when in the
///         window to settle.
/// @dev Errors live where they are raised: here, in `VeilAdmin` (InvalidWindow) and in `BatchTransferLib`
///      (token movements); the compiler puts every error the contract can revert with into its ABI.
contract VeilSettlement is VeilAdmin, ReentrancyGuardTransient {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The caller is not an allow-listed operator.
    error NotOperator(address caller);
    /// @dev `commit` got the zero root (reserved for "no such batch").
    error ZeroRoot();
    /// @dev `commit` got a leaf count of zero.
    error EmptyBatch();
    /// @dev `commit` got more leaves than a batch can hold (`MAX_LEAVES`).
    error TooManyLeaves(uint256 leafCount, uint256 max);
    /// @dev No batch was committed under this id.
    error UnknownBatch(uint256 batchId);
    /// @dev The batch was already settled.
    error BatchAlreadySettled(uint256 batchId);
    /// @dev Only the operator that committed a batch may settle it (F4): another operator could otherwise
    ///      settle it without its orders (burning it) or with prices of its own choosing.
    error NotBatchOperator(uint256 batchId, address caller);
    /// @dev Settling before `commitBlock + revealDelay`.
    error RevealDelayNotPassed(uint256 batchId, uint256 firstBlock);
    /// @dev Settling after `commitBlock + expiry`.
    error BatchExpired(uint256 batchId, uint256 lastBlock);
    /// @dev `leaves.length` differs from the committed leaf count.
    error LeafCountMismatch(uint256 committed, uint256 given);
    /// @dev `tokens` and `clearingPrices` differ in length.
    error PriceCountMismatch(uint256 tokens, uint256 prices);
    /// @dev A token appears twice in `tokens`.
    error DuplicateToken(address token);
    /// @dev A clearing price is zero.
    error ZeroPrice(address token);
    /// @dev Trade `tradeIndex` has a token index outside `tokens`, or sells and buys the same token.
    error InvalidTokenIndex(uint256 tradeIndex);
    /// @dev Trade `tradeIndex` has a leaf index outside the batch.
    error LeafIndexOutOfRange(uint256 tradeIndex);
    /// @dev Trade `tradeIndex`'s leaf slot is not bytes32(0) (occupied by another trade or a passed leaf).
    error LeafIndexTaken(uint256 tradeIndex);
    /// @dev Trade `tradeIndex`'s order is past its `validTo`.
    error OrderExpired(uint256 tradeIndex);
    /// @dev Trade `tradeIndex`'s order may only execute in a batch committed at or before its `commitBy`
    ///      block; this batch was committed later (F1: a revealed order cannot be moved to a later batch).
    error CommitDeadlinePassed(uint256 tradeIndex);
    /// @dev Trade `tradeIndex`'s signature is not the trader's (ECDSA or EIP-1271).
    error InvalidSignature(uint256 tradeIndex);
    /// @dev The trader's nonce was used or invalidated already.
    error NonceUsed(address trader, uint256 nonce);
    /// @dev Trade `tradeIndex`'s signed `feeAmount` is larger than its `sellAmount` (nothing would be left to
    ///      trade; the fee comes out of the sell amount).
    error FeeExceedsSellAmount(uint256 tradeIndex);
    /// @dev Trade `tradeIndex` would get less than its `minBuyAmount` at the clearing prices (for its sell
    ///      amount net of its fee).
    error LimitNotMet(uint256 tradeIndex, uint256 buyAmount, uint256 minBuyAmount);
    /// @dev The root rebuilt from the leaves differs from the committed root.
    error RootMismatch(bytes32 committed, bytes32 computed);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           EVENTS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice A batch root was committed.
    event BatchCommitted(uint256 indexed batchId, bytes32 root, uint32 leafCount, address indexed operator);
    /// @notice An order of the batch executed in full at the clearing prices. `buyAmount` is what the trader
    ///         received: settle refuses a buy token that delivers less than it sends (measured by balance on the
    ///         first payment of each buy token per batch, `FeeOnTransferBuyToken`), as it refuses sell tokens
    ///         that deliver less (`ReceivedLess`).
    ///         `sellAmount` is what left the trader: the signed order's sell amount, its fee included. The fee is
    ///         not repeated (nor are the tokens): `orderDigest` commits to the order's `feeAmount`, tokens and
    ///         `sellAmount`, and each data word costs 256 gas per trade (issue 12 kept the gas goal by dropping
    ///         the tokens; issue 17 keeps it by not adding the fee). The batch's fees reach `feeRecipient` in one
    ///         token transfer per token, whose `Transfer` event is their on-chain record.
    event Trade(
        uint256 indexed batchId, address indexed trader, bytes32 orderDigest, uint256 sellAmount, uint256 buyAmount
    );
    /// @notice A batch was settled with `tradeCount` trades.
    event BatchSettled(uint256 indexed batchId, uint256 tradeCount);
    /// @notice A trader invalidated the nonces of `mask` in `word`.
    event NoncesInvalidated(address indexed trader, uint256 word, uint256 mask);
    /// @notice The owner swept `amount` of `token` from the settlement to the fee recipient.
    event Swept(address indexed token, address indexed recipient, uint256 amount);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           STORAGE                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A committed batch, two slots: the root, then the rest packed in one word. The settle window in
    ///      force at commit is stored with the batch (I2), so a later `setWindow` cannot expire it, open it
    ///      early or keep it open longer. uint40 block numbers last ~400,000 years at 12 s per block.
    struct Batch {
        bytes32 root;
        address operator;
        uint40 commitBlock;
        uint16 leafCount;
        uint16 revealDelay;
        uint16 expiry;
        bool settled;
    }

    /// @dev What every trade of a batch needs, bundled to keep the stack shallow.
    struct TradeContext {
        uint256 batchId;
        bytes32 separator;
        bytes32[] nodes;
        address sellToken;
        address buyToken;
        bytes32 digest;
        uint256 commitBlock;
    }

    bytes32 private constant _DOMAIN_TYPE_HASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _NAME_HASH = keccak256("Veil");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    uint256 private immutable _CACHED_CHAIN_ID;
    bytes32 private immutable _CACHED_DOMAIN_SEPARATOR;

    /// @notice Gas an EIP-1271 wallet's `isValidSignature` gets in settle (wallet requirement: answer within it,
    ///         with exactly 32 bytes). The relay's intake checks contract-wallet signatures with the same cap.
    uint256 public constant EIP1271_GAS_LIMIT = SignatureLib.EIP1271_GAS_LIMIT;

    /// @notice Most leaves one batch may commit (the leaf count is stored in 16 bits).
    uint256 public constant MAX_LEAVES = type(uint16).max;

    /// @dev Number of committed batches (`batchCount()`); 128 bits so it shares `VeilAdmin`'s window slot.
    uint128 private _batchCount;
    /// @notice Permit2-style nonce bitmap: bit `nonce & 0xff` of word `nonce >> 8` is set once used.
    mapping(address => mapping(uint256 => uint256)) public nonceBitmap;
    mapping(uint256 => Batch) private _batches;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTRUCTOR                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @param owner_ the owner (operators, pools, window); two-step transferable.
    /// @param revealDelay_ blocks between commit and the first block settle may land in.
    /// @param expiry_ blocks between commit and the last block settle may land in.
    constructor(address owner_, uint64 revealDelay_, uint64 expiry_) VeilAdmin(owner_, revealDelay_, expiry_) {
        _CACHED_CHAIN_ID = block.chainid;
        _CACHED_DOMAIN_SEPARATOR = _buildDomainSeparator();
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          MODIFIERS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Only operators the owner allowed (`VeilAdmin.setOperator`) may commit and settle.
    modifier onlyOperator() {
        if (!isOperator[msg.sender]) revert NotOperator(msg.sender);
        _;
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       OPERATOR ACTIONS                     */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Commits a batch: the Merkle root of its `leafCount` order leaves, in batch order. Fixes which
    ///         orders the batch may execute before anyone but the relay can see them, and the settle window in
    ///         force now (`revealDelay`, `expiry`), which later window changes do not touch. Only the committing
    ///         operator may settle the batch.
    /// @return batchId the new batch's id (1, 2, 3, ...).
    function commit(bytes32 root, uint32 leafCount) external onlyOperator returns (uint256 batchId) {
        if (root == bytes32(0)) revert ZeroRoot();
        if (leafCount == 0) revert EmptyBatch();
        if (leafCount > MAX_LEAVES) revert TooManyLeaves(leafCount, MAX_LEAVES);
        batchId = ++_batchCount;
        // The window shares the counter's slot (warm now). Both fit in 16 bits: `VeilAdmin` bounds `expiry`
        // (and so `revealDelay <= expiry`) by MAX_WINDOW.
        uint256 delay = revealDelay;
        uint256 exp = expiry;
        Batch storage b = _batches[batchId];
        b.root = root;
        // The second word of `Batch` in one write, members from the low-order bits in declaration order:
        // operator (160) | commitBlock (40) | leafCount (16) | revealDelay (16) | expiry (16) | settled (8).
        uint256 packed =
            uint256(uint160(msg.sender)) | (block.number << 160) | (uint256(leafCount) << 200) | (delay << 216) | (exp << 232);
        /// @solidity memory-safe-assembly
        assembly {
            sstore(add(b.slot, 1), packed)
        }
        emit BatchCommitted(batchId, root, leafCount, msg.sender);
    }

    /// @notice Settles batch `batchId`: executes every trade in full at `clearingPrices`, runs the residual
    ///         `swaps`, and checks the batch against its commitment. Only the operator that committed the batch,
    ///         while still allow-listed, may settle it: there is no hand-over. A batch whose operator is revoked
    ///         or lost simply expires; its orders stay unexecuted (nonces unused) and end unfilled, so no other
    ///         operator can burn or re-price a batch it did not build (F4).
    /// @param leaves all `leafCount` leaves in batch order; bytes32(0) at each trade's `leafIndex` (the
    ///        contract puts the trade's own leaf there), the committed leaf of every order not executed.
    /// @param tokens the distinct tokens of the batch; trades refer to them by index.
    /// @param clearingPrices one non-zero price per token: a trade selling `s` of token i buys
    ///        floor(s * clearingPrices[i] / clearingPrices[j]) of token j.
    /// @param trades the executed orders, each with its signature and salt. Each trade pulls its signed
    ///        `sellAmount` from its trader; its signed `feeAmount` stays with the batch and the rest trades at the
    ///        clearing prices. The batch's fees go to `feeRecipient`, one transfer per token, after the buys.
    /// @param swaps residual swaps against allow-listed Uniswap V2 pairs, run after the sells are pulled.
    function settle(
        uint256 batchId,
        bytes32[] calldata leaves,
        address[] calldata tokens,
        uint256[] calldata clearingPrices,
        TradeData[] calldata trades,
        PoolSwap[] calldata swaps
    ) external nonReentrant onlyOperator {
        // Checks and effects for the batch and every trade (nonces, events, root) before any token moves.
        (uint256[] memory buyAmounts, uint256[] memory pulledAndFees) =
            _verifyBatch(batchId, leaves, tokens, clearingPrices, trades);
        BatchTransferLib.execute(tokens, trades, swaps, buyAmounts, pulledAndFees, feeRecipient, isPool);
        emit BatchSettled(batchId, trades.length);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        TRADER ACTIONS                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Cancels the caller's nonces on chain: sets the bits of `mask` in nonce word `word` (bits already
    ///         set stay set). Lets a trader cancel without the relay's cooperation: no batch can execute an order
    ///         with a cancelled nonce.
    function invalidateNonces(uint256 word, uint256 mask) external {
        nonceBitmap[msg.sender][word] |= mask;
        emit NoncesInvalidated(msg.sender, word, mask);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         OWNER ACTIONS                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Sends `amount` of `token` held by the settlement to `feeRecipient` (F6). Between transactions the
    ///         settlement holds no trader's funds (tokens move only inside `settle`), so whatever it holds is
    ///         batch surplus (pool output above what the clearing prices pay), rounding dust, or tokens sent to it
    ///         by mistake: this is how none of it is frozen. `nonReentrant`: a token's callback inside `settle`
    ///         cannot sweep mid-batch. Leaving 1 wei of a batch token keeps the next batch's balance writes cheap.
    function sweep(address token, uint256 amount) external nonReentrant onlyOwner {
        address recipient = feeRecipient;
        SafeTransferLib.safeTransfer(token, recipient, amount);
        emit Swept(token, recipient, amount);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            VIEWS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Number of committed batches; ids run 1..batchCount.
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @notice The committed batch `batchId` (all zero if none), so a trader can check its leaf's batch on chain.
    ///         Its settle window: `batchWindow`.
    function batches(uint256 batchId)
        external
        view
        returns (bytes32 root, uint32 leafCount, uint64 commitBlock, bool settled, address operator)
    {
        Batch storage b = _batches[batchId];
        return (b.root, b.leafCount, b.commitBlock, b.settled, b.operator);
    }

    /// @notice The blocks batch `batchId` may settle in, `[firstBlock, lastBlock]`: its commit block plus the
    ///         reveal delay and expiry in force when it was committed (all zero if no such batch).
    function batchWindow(uint256 batchId) external view returns (uint64 firstBlock, uint64 lastBlock) {
        Batch storage b = _batches[batchId];
        if (b.root == bytes32(0)) return (0, 0);
        return (uint64(b.commitBlock) + b.revealDelay, uint64(b.commitBlock) + b.expiry);
    }

    /// @notice True when `trader`'s `nonce` was used or invalidated.
    function isNonceUsed(address trader, uint256 nonce) external view returns (bool) {
        // forge-lint: disable-next-line(incorrect-shift)
        return nonceBitmap[trader][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice The EIP-712 domain separator: {name: "Veil", version: "1", chainId, verifyingContract: this}.
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _CACHED_CHAIN_ID ? _CACHED_DOMAIN_SEPARATOR : _buildDomainSeparator();
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      INTERNAL: SETTLE                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Checks the batch can settle now with `leafCount` leaves, marks it settled, returns its root and
    ///      commit block.
    function _beginSettle(uint256 batchId, uint256 leafCount) private returns (bytes32 root, uint256 commitBlock) {
        Batch storage b = _batches[batchId];
        root = b.root;
        if (root == bytes32(0)) revert UnknownBatch(batchId);
        if (b.settled) revert BatchAlreadySettled(batchId);
        if (b.operator != msg.sender) revert NotBatchOperator(batchId, msg.sender);
        commitBlock = b.commitBlock;
        uint256 firstBlock = commitBlock + b.revealDelay;
        uint256 lastBlock = commitBlock + b.expiry;
        if (block.number < firstBlock) revert RevealDelayNotPassed(batchId, firstBlock);
        if (block.number > lastBlock) revert BatchExpired(batchId, lastBlock);
        if (leafCount != b.leafCount) revert LeafCountMismatch(b.leafCount, leafCount);
        b.settled = true;
    }

    /// @dev Equal lengths, distinct tokens, non-zero prices.
    function _checkTokens(address[] calldata tokens, uint256[] calldata prices) private pure {
        if (tokens.length != prices.length) revert PriceCountMismatch(tokens.length, prices.length);
        for (uint256 i; i < tokens.length; ++i) {
            if (prices[i] == 0) revert ZeroPrice(tokens[i]);
            for (uint256 j; j < i; ++j) {
                if (tokens[j] == tokens[i]) revert DuplicateToken(tokens[i]);
            }
        }
    }

    /// @dev Checks the batch, then verifies every trade, uses its nonce, emits its event, places its leaf,
    ///      and checks the rebuilt root.
    /// @return buyAmounts each trade's payout; pulledAndFees per token k, at k the total sell amount pulled
    ///         (fees included) and at `tokens.length + k` the total signed fee (one array: the stack is full).
    function _verifyBatch(
        uint256 batchId,
        bytes32[] calldata leaves,
        address[] calldata tokens,
        uint256[] calldata prices,
        TradeData[] calldata trades
    ) private returns (uint256[] memory buyAmounts, uint256[] memory pulledAndFees) {
        (bytes32 root, uint256 commitBlock) = _beginSettle(batchId, leaves.length);
        _checkTokens(tokens, prices);
        TradeContext memory c =
            TradeContext(batchId, domainSeparator(), leaves, address(0), address(0), 0, commitBlock);
        buyAmounts = new uint256[](trades.length);
        pulledAndFees = new uint256[](2 * tokens.length);
        for (uint256 i; i < trades.length; ++i) {
            buyAmounts[i] = _applyTrade(c, i, trades[i], tokens, prices, pulledAndFees);
        }
        bytes32 computed = MerkleLib.root(c.nodes);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @dev Checks and effects of trade `i`; returns its buy amount. The hot path of settle: fields are read
    ///      from calldata at the fixed offsets of the ABI-encoded `Trade` tuple head (in field order;
    ///      `signature` is the one dynamic field, its offset word at 0x160), each once where it is used.
    function _applyTrade(
        TradeContext memory c,
        uint256 i,
        TradeData calldata t,
        address[] calldata tokens,
        uint256[] calldata prices,
        uint256[] memory pulledAndFees
    ) private returns (uint256 buyAmount) {
        (uint256 s, uint256 b) = _checkTrade(i, t, tokens.length, c.commitBlock);
        uint256 pSell;
        uint256 pBuy;
        /// @solidity memory-safe-assembly
        assembly {
            // s, b < tokens.length == prices.length == pulled.length (checked above and in _checkTokens).
            mstore(add(c, 0x60), calldataload(add(tokens.offset, shl(5, s)))) // c.sellToken
            mstore(add(c, 0x80), calldataload(add(tokens.offset, shl(5, b)))) // c.buyToken
            pSell := calldataload(add(prices.offset, shl(5, s)))
            pBuy := calldataload(add(prices.offset, shl(5, b)))
        }
        _authenticate(c, i, t);
        uint256 sellAmount;
        uint256 fee;
        (buyAmount, sellAmount, fee) = _fill(c, i, t, pSell, pBuy);
        /// @solidity memory-safe-assembly
        assembly {
            // s < tokens.length; pulledAndFees has 2 * tokens.length words: sells at s, fees at tokens.length + s.
            let p := add(add(pulledAndFees, 0x20), shl(5, s))
            mstore(p, add(mload(p), sellAmount))
            let f := add(p, shl(5, tokens.length))
            mstore(f, add(mload(f), fee))
        }
    }

    /// @dev Token indices in range and distinct, order not expired, batch committed by the order's `commitBy`,
    ///      no dirty high bits in `trader`/`validTo`/`commitBy` (such an order can match no signature: refused
    ///      early).
    function _checkTrade(uint256 i, TradeData calldata t, uint256 tokenCount, uint256 commitBlock)
        private
        view
        returns (uint256 s, uint256 b)
    {
        uint256 trader;
        uint256 validTo;
        uint256 commitBy;
        /// @solidity memory-safe-assembly
        assembly {
            s := calldataload(add(t, 0x20))
            b := calldataload(add(t, 0x40))
            trader := calldataload(add(t, 0x60))
            validTo := calldataload(add(t, 0xe0))
            commitBy := calldataload(add(t, 0x100))
        }
        if (s >= tokenCount || b >= tokenCount || s == b) revert InvalidTokenIndex(i);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > validTo) revert OrderExpired(i);
        if (commitBlock > commitBy) revert CommitDeadlinePassed(i);
        if ((trader >> 160) | (validTo >> 64) | (commitBy >> 64) != 0) revert InvalidSignature(i);
    }

    /// @dev The order's digest (into `c.digest`), its leaf placed, the trader's signature, the nonce used.
    function _authenticate(TradeContext memory c, uint256 i, TradeData calldata t) private {
        address trader;
        /// @solidity memory-safe-assembly
        assembly {
            trader := calldataload(add(t, 0x60))
        }
        bytes32 digest = _orderDigest(c.separator, t, c.sellToken, c.buyToken);
        _placeLeaf(c.nodes, i, t, digest);
        if (!SignatureLib.isValid(trader, digest, _signatureOf(t))) revert InvalidSignature(i);
        _useNonce(trader, t);
        c.digest = digest;
    }

    /// @dev The buy amount at the clearing prices for the sell amount net of the signed fee, rounded down
    ///      (against the trader), checked against the trader's limit; emits `Trade`. The fee taken is exactly
    ///      the signed `feeAmount` (part of the digest), never more than `sellAmount`.
    function _fill(TradeContext memory c, uint256 i, TradeData calldata t, uint256 pSell, uint256 pBuy)
        private
        returns (uint256 buyAmount, uint256 sellAmount, uint256 fee)
    {
        address trader;
        uint256 minBuyAmount;
        /// @solidity memory-safe-assembly
        assembly {
            trader := calldataload(add(t, 0x60))
            sellAmount := calldataload(add(t, 0x80))
            minBuyAmount := calldataload(add(t, 0xa0))
            fee := calldataload(add(t, 0x120))
        }
        if (fee > sellAmount) revert FeeExceedsSellAmount(i);
        unchecked {
            buyAmount = FixedPointMathLib.fullMulDiv(sellAmount - fee, pSell, pBuy);
        }
        if (buyAmount < minBuyAmount) revert LimitNotMet(i, buyAmount, minBuyAmount);
        emit Trade(c.batchId, trader, c.digest, sellAmount, buyAmount);
    }

    /// @dev The EIP-712 digest of the order behind trade `t`, hashed straight from its calldata words:
    ///      [typeHash, trader, sellToken, buyToken, sellAmount, minBuyAmount, nonce, validTo, commitBy, feeAmount].
    function _orderDigest(bytes32 separator, TradeData calldata t, address sellToken, address buyToken)
        private
        pure
        returns (bytes32 result)
    {
        bytes32 typeHash = OrderLib.TYPE_HASH;
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            mstore(m, typeHash)
            mstore(add(m, 0x20), calldataload(add(t, 0x60)))
            mstore(add(m, 0x40), sellToken)
            mstore(add(m, 0x60), buyToken)
            // sellAmount, minBuyAmount, nonce, validTo, commitBy, feeAmount
            calldatacopy(add(m, 0x80), add(t, 0x80), 0xc0)
            let structHash := keccak256(m, 0x140)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), separator)
            mstore(add(m, 0x40), structHash)
            result := keccak256(add(m, 0x1e), 0x42)
        }
    }

    /// @dev Trade `t`'s signature bytes.
    function _signatureOf(TradeData calldata t) private pure returns (bytes calldata signature) {
        /// @solidity memory-safe-assembly
        assembly {
            let p := add(t, calldataload(add(t, 0x160)))
            signature.length := calldataload(p)
            signature.offset := add(p, 0x20)
        }
    }

    /// @dev Puts trade `i`'s leaf at its `leafIndex`, which must be in range and passed as bytes32(0).
    function _placeLeaf(bytes32[] memory nodes, uint256 i, TradeData calldata t, bytes32 digest) private pure {
        uint256 leafIndex;
        bytes32 salt;
        /// @solidity memory-safe-assembly
        assembly {
            leafIndex := calldataload(t)
            salt := calldataload(add(t, 0x140))
        }
        if (leafIndex >= nodes.length) revert LeafIndexOutOfRange(i);
        bytes32 current;
        uint256 p;
        /// @solidity memory-safe-assembly
        assembly {
            // In range (checked just above): the slot is read and written without a second bounds check.
            p := add(add(nodes, 0x20), shl(5, leafIndex))
            current := mload(p)
        }
        if (current != bytes32(0)) revert LeafIndexTaken(i);
        bytes32 leaf = OrderLib.leaf(digest, salt);
        /// @solidity memory-safe-assembly
        assembly {
            mstore(p, leaf)
        }
    }

    /// @dev Marks trade `t`'s nonce used for `trader`, reverting if it already was.
    function _useNonce(address trader, TradeData calldata t) private {
        uint256 nonce;
        /// @solidity memory-safe-assembly
        assembly {
            nonce := calldataload(add(t, 0xc0))
        }
        uint256 slot;
        /// @solidity memory-safe-assembly
        assembly {
            // nonceBitmap[trader][nonce >> 8], its slot computed once for the read and the write.
            mstore(0x00, trader)
            mstore(0x20, nonceBitmap.slot)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, shr(8, nonce))
            slot := keccak256(0x00, 0x40)
        }
        // forge-lint: disable-next-line(incorrect-shift)
        uint256 bit = 1 << (nonce & 0xff);
        uint256 word;
        /// @solidity memory-safe-assembly
        assembly {
            word := sload(slot)
        }
        if (word & bit != 0) revert NonceUsed(trader, nonce);
        /// @solidity memory-safe-assembly
        assembly {
            sstore(slot, or(word, bit))
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      INTERNAL: CONFIG                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPE_HASH, _NAME_HASH, _VERSION_HASH, block.chainid, address(this)));
    }

    /// @dev Always the transient-storage guard (the chain runs Cancun or later).
    function _useTransientReentrancyGuardOnlyOnMainnet() internal pure override returns (bool) {
        return false;
    }
}

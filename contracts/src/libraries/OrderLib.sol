// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title OrderLib
/// @notice The Veil order: its EIP-712 struct, type hash, digest and Merkle leaf. Must stay byte-for-byte equal
///         to `client/order/order.ts` (`ORDER_TYPES`, `hashOrder`, `orderLeaf`).
library OrderLib {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           STRUCTS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A fill-or-kill sell order: sell exactly `sellAmount` of `sellToken` for at least `minBuyAmount`
    ///      of `buyToken`, before `validTo` (unix seconds). `nonce` is a bitmap nonce (word = nonce >> 8).
    ///      `commitBy` (a block number, order v2) binds the order to the batches committed before it was
    ///      revealed: it executes only in a batch whose commit block is <= `commitBy`. A commit-mode client
    ///      reveals only once the chain head is past `commitBy` and its leaf is proven in a committed root, so
    ///      no batch the operator could still commit after seeing the order can take it.
    ///      `feeAmount` (order v3, issue 17) is the operator's fee in the sell token, signed: it comes out of
    ///      `sellAmount` (which stays the total leaving the trader), the rest trades at the batch's prices and
    ///      the limit holds on it: `floor((sellAmount - feeAmount) * pSell / pBuy) >= minBuyAmount`.
    struct Order {
        address trader;
        address sellToken;
        address buyToken;
        uint256 sellAmount;
        uint256 minBuyAmount;
        uint256 nonce;
        uint64 validTo;
        uint64 commitBy;
        uint256 feeAmount;
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          CONSTANTS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The EIP-712 type hash of `Order`:
    ///      keccak256("Order(address trader,address sellToken,address buyToken,uint256 sellAmount,uint256 minBuyAmount,uint256 nonce,uint64 validTo,uint64 commitBy,uint256 feeAmount)")
    bytes32 internal constant TYPE_HASH = keccak256(
        "Order(address trader,address sellToken,address buyToken,uint256 sellAmount,uint256 minBuyAmount,uint256 nonce,uint64 validTo,uint64 commitBy,uint256 feeAmount)"
    );

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          FUNCTIONS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice The EIP-712 digest of `order` under `domainSeparator`: what the trader signs.
    function hash(Order memory order, bytes32 domainSeparator) internal pure returns (bytes32) {
        return digest(
            domainSeparator,
            order.trader,
            order.sellToken,
            order.buyToken,
            order.sellAmount,
            order.minBuyAmount,
            order.nonce,
            order.validTo,
            order.commitBy,
            order.feeAmount
        );
    }

    /// @notice The EIP-712 digest from the order's fields, without building the struct in memory (settle's
    ///         hot path reads them straight from calldata).
    /// @dev Writes above the free memory pointer without moving it: the words are scratch, never read again.
    function digest(
        bytes32 domainSeparator,
        address trader,
        address sellToken,
        address buyToken,
        uint256 sellAmount,
        uint256 minBuyAmount,
        uint256 nonce,
        uint64 validTo,
        uint64 commitBy,
        uint256 feeAmount
    ) internal pure returns (bytes32 result) {
        bytes32 typeHash = TYPE_HASH;
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            mstore(m, typeHash)
            mstore(add(m, 0x20), trader)
            mstore(add(m, 0x40), sellToken)
            mstore(add(m, 0x60), buyToken)
            mstore(add(m, 0x80), sellAmount)
            mstore(add(m, 0xa0), minBuyAmount)
            mstore(add(m, 0xc0), nonce)
            mstore(add(m, 0xe0), validTo)
            mstore(add(m, 0x100), commitBy)
            mstore(add(m, 0x120), feeAmount)
            let structHash := keccak256(m, 0x140)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), domainSeparator)
            mstore(add(m, 0x40), structHash)
            result := keccak256(add(m, 0x1e), 0x42)
        }
    }

    /// @notice The Merkle leaf committed for an order: keccak256(abi.encode(orderDigest, salt)). The trader's
    ///         random salt keeps a committed leaf from being guessed by hashing likely orders.
    function leaf(bytes32 orderDigest, bytes32 salt) internal pure returns (bytes32 result) {
        /// @solidity memory-safe-assembly
        assembly {
            mstore(0x00, orderDigest)
            mstore(0x20, salt)
            result := keccak256(0x00, 0x40)
        }
    }
}

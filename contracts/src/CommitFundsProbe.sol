// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Never deployed: the relay runs this constructor in one `eth_call` (no `to`) to learn whether a
///         commitment's trader holds and has approved at least `mins[i]` of some `tokens[i]` (issue 13: a leaf
///         costs the operator gas, so it must come from a trader who could pay for an order). One node call
///         instead of two per token. Returns one ABI word: 1 if some token qualifies, else 0.
contract CommitFundsProbe {
    constructor(address trader, address spender, address[] memory tokens, uint256[] memory mins) {
        for (uint256 i; i < tokens.length; ++i) {
            (bool okB, bytes memory b) = tokens[i].staticcall(abi.encodeWithSelector(0x70a08231, trader));
            if (!okB || b.length < 32 || abi.decode(b, (uint256)) < mins[i]) continue;
            (bool okA, bytes memory a) =
                tokens[i].staticcall(abi.encodeWithSelector(0xdd62ed3e, trader, spender));
            if (!okA || a.length < 32 || abi.decode(a, (uint256)) < mins[i]) continue;
            assembly {
                mstore(0, 1)
                return(0, 32)
            }
        }
        assembly {
            mstore(0, 0)
            return(0, 32)
        }
    }
}

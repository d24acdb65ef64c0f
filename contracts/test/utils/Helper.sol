// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VeilSettlement} from "../../src/VeilSettlement.sol";
import {PoolSwap, Trade} from "../../src/SettlementTypes.sol";
import {MerkleLib} from "../../src/libraries/MerkleLib.sol";
import {OrderLib} from "../../src/libraries/OrderLib.sol";
import {Assertions} from "./Assertions.sol";
import {IUniswapV2Factory, IUniswapV2PairFull} from "./IUniswapV2.sol";
import {TestToken} from "./tokens/TestToken.sol";
import {vm} from "./Vm.sol";

/// @notice Deploys the real contracts every settlement test starts from: VeilSettlement, two tokens, the real
///         Uniswap V2 factory (npm build) with a funded A/B pair, and two traders with real keys holding
///         and having approved both tokens. Helpers sign orders with `vm.sign` and commit batches.
abstract contract Helper is Assertions {
    uint64 internal constant REVEAL_DELAY = 2;
    uint64 internal constant EXPIRY = 20;
    uint256 internal constant TRADER1_KEY = 0xA11CE;
    uint256 internal constant TRADER2_KEY = 0xB0B;
    uint256 internal constant UNIT = 1e18;
    uint256 internal constant POOL_LIQUIDITY = 1_000_000e18;
    /// @dev Default `commitBy` of test orders: far above any block the tests reach (tests of the deadline set
    ///      their own).
    uint64 internal constant COMMIT_BY = 1_000_000;

    /// @dev Everything `settle` takes, so a test can change one thing and call it.
    struct Batch {
        uint256 batchId;
        bytes32[] leaves;
        address[] tokens;
        uint256[] prices;
        Trade[] trades;
        PoolSwap[] swaps;
    }

    VeilSettlement internal settlement;
    TestToken internal tokenA;
    TestToken internal tokenB;
    address internal pair;
    address internal owner;
    address internal operator;
    address internal trader1;
    address internal trader2;

    function setUp() public virtual {
        vm.roll(1000);
        vm.warp(1_700_000_000);
        owner = _labelled(0x0E, "owner");
        operator = _labelled(0x0F, "operator");
        trader1 = vm.addr(TRADER1_KEY);
        trader2 = vm.addr(TRADER2_KEY);
        vm.label(trader1, "trader1");
        vm.label(trader2, "trader2");
        settlement = new VeilSettlement(owner, REVEAL_DELAY, EXPIRY);
        tokenA = new TestToken("A");
        tokenB = new TestToken("B");
        pair = _deployPair(address(tokenA), address(tokenB), POOL_LIQUIDITY, POOL_LIQUIDITY);
        vm.startPrank(owner);
        settlement.setOperator(operator, true);
        settlement.setPool(pair, true);
        vm.stopPrank();
        _fund(trader1, 1_000_000e18);
        _fund(trader2, 1_000_000e18);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         DEPLOYMENT                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _labelled(uint256 seed, string memory name) internal returns (address a) {
        a = vm.addr(uint256(keccak256(abi.encode(seed, name))));
        vm.label(a, name);
    }

    /// @dev Deploys a contract from a npm build JSON (`bytecode` field) with ABI-encoded constructor args.
    function _deployFromJson(string memory path, bytes memory args) internal returns (address deployed) {
        bytes memory code = abi.encodePacked(vm.parseJsonBytes(vm.readFile(path), ".bytecode"), args);
        assembly {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "deploy failed");
    }

    /// @dev The real Uniswap V2 factory from @uniswap/v2-core, a pair of `a`/`b`, funded with the amounts.
    function _deployPair(address a, address b, uint256 amountA, uint256 amountB) internal returns (address p) {
        address factory =
            _deployFromJson("node_modules/@uniswap/v2-core/build/UniswapV2Factory.json", abi.encode(address(this)));
        p = IUniswapV2Factory(factory).createPair(a, b);
        TestToken(a).mint(p, amountA);
        TestToken(b).mint(p, amountB);
        IUniswapV2PairFull(p).mint(address(this));
        vm.label(p, "pair");
    }

    /// @dev Mints both tokens to `who` and approves the settlement for both.
    function _fund(address who, uint256 amount) internal {
        tokenA.mint(who, amount);
        tokenB.mint(who, amount);
        vm.startPrank(who);
        tokenA.approve(address(settlement), type(uint256).max);
        tokenB.approve(address(settlement), type(uint256).max);
        vm.stopPrank();
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      ORDERS AND BATCHES                    */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _order(address trader, address sell, address buy, uint256 sellAmount, uint256 minBuy, uint256 nonce)
        internal
        view
        returns (OrderLib.Order memory)
    {
        return OrderLib.Order(
            trader, sell, buy, sellAmount, minBuy, nonce, uint64(block.timestamp + 1 hours), COMMIT_BY, 0
        );
    }

    function _sign(uint256 key, OrderLib.Order memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, OrderLib.hash(o, settlement.domainSeparator()));
        return abi.encodePacked(r, s, v);
    }

    function _indexOf(address[] memory tokens, address token) internal pure returns (uint8) {
        for (uint8 i; i < tokens.length; ++i) {
            if (tokens[i] == token) return i;
        }
        revert("token not in list");
    }

    /// @dev The trade for `o` signed with `key`, and its leaf.
    function _trade(uint256 key, OrderLib.Order memory o, uint32 leafIndex, address[] memory tokens)
        internal
        view
        returns (Trade memory t, bytes32 leaf)
    {
        bytes32 salt = keccak256(abi.encode("salt", o.trader, o.nonce, leafIndex));
        t = Trade({
            leafIndex: leafIndex,
            sellTokenIndex: _indexOf(tokens, o.sellToken),
            buyTokenIndex: _indexOf(tokens, o.buyToken),
            trader: o.trader,
            sellAmount: o.sellAmount,
            minBuyAmount: o.minBuyAmount,
            nonce: o.nonce,
            validTo: o.validTo,
            commitBy: o.commitBy,
            feeAmount: o.feeAmount,
            salt: salt,
            signature: _sign(key, o)
        });
        leaf = OrderLib.leaf(OrderLib.hash(o, settlement.domainSeparator()), salt);
    }

    function _root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory copy = new bytes32[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            copy[i] = leaves[i];
        }
        return MerkleLib.root(copy);
    }

    /// @dev Commits `leaves` as the operator and rolls to the first block settle may land in, 12 s per block
    ///      (as on Ethereum: the settle's block has a later timestamp than any pool trade before the commit).
    function _commit(bytes32[] memory leaves) internal returns (uint256 batchId) {
        vm.prank(operator);
        batchId = settlement.commit(_root(leaves), uint32(leaves.length));
        vm.roll(block.number + REVEAL_DELAY);
        vm.warp(block.timestamp + 12 * REVEAL_DELAY);
    }

    function _tokensAB() internal view returns (address[] memory tokens) {
        tokens = new address[](2);
        tokens[0] = address(tokenA);
        tokens[1] = address(tokenB);
    }

    function _prices(uint256 pa, uint256 pb) internal pure returns (uint256[] memory prices) {
        prices = new uint256[](2);
        prices[0] = pa;
        prices[1] = pb;
    }

    /// @dev A committed, ready-to-settle batch: trader1 sells 100 A for >= 99 B, trader2 sells 100 B for
    ///      >= 99 A, at prices 1:1, plus one committed leaf that is not executed (leaf 1).
    function _crossingBatch() internal returns (Batch memory b) {
        b.tokens = _tokensAB();
        b.prices = _prices(UNIT, UNIT);
        b.trades = new Trade[](2);
        bytes32[] memory committed = new bytes32[](3);
        (b.trades[0], committed[0]) =
            _trade(TRADER1_KEY, _order(trader1, address(tokenA), address(tokenB), 100e18, 99e18, 1), 0, b.tokens);
        committed[1] = keccak256("an order that is not executed");
        (b.trades[1], committed[2]) =
            _trade(TRADER2_KEY, _order(trader2, address(tokenB), address(tokenA), 100e18, 99e18, 2), 2, b.tokens);
        b.batchId = _commit(committed);
        b.leaves = new bytes32[](3);
        b.leaves[1] = committed[1];
    }

    function _settle(Batch memory b) internal {
        vm.prank(operator);
        settlement.settle(b.batchId, b.leaves, b.tokens, b.prices, b.trades, b.swaps);
    }
}

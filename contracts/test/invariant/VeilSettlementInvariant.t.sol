// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Helper} from "../utils/Helper.sol";
import {vm} from "../utils/Vm.sol";
import {SettlementHandler} from "./SettlementHandler.sol";

/// @notice Invariants over random sequences of committed and settled batches (runs/depth in foundry.toml).
contract VeilSettlementInvariantTest is Helper {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    SettlementHandler internal handler;
    address[4] internal holders;
    uint256 internal supplyA;
    uint256 internal supplyB;
    uint256 internal settlementA;
    uint256 internal settlementB;

    function setUp() public override {
        super.setUp();
        uint256[4] memory keys = [uint256(0x1111), 0x2222, 0x3333, 0x4444];
        handler = new SettlementHandler(settlement, tokenA, tokenB, pair, operator, keys);
        for (uint256 i; i < 4; ++i) {
            _fund(handler.traders(i), 1_000_000e18);
        }
        // Dust the settlement holds (surplus of earlier batches): a batch that overpays (handler mutation 7)
        // could spend it, so only the conservation check stands between the dust and the traders.
        tokenA.mint(address(settlement), 1_000e18);
        tokenB.mint(address(settlement), 1_000e18);
        (settlementA, settlementB) = (1_000e18, 1_000e18);
        supplyA = tokenA.totalSupply();
        supplyB = tokenB.totalSupply();
    }

    /// @dev forge reads the fuzzed contracts and selectors from these (forge-std's StdInvariant, inlined).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory selectors) {
        selectors = new FuzzSelector[](1);
        bytes4[] memory fns = new bytes4[](2);
        fns[0] = SettlementHandler.commitAndSettle.selector;
        fns[1] = SettlementHandler.invalidate.selector;
        selectors[0] = FuzzSelector(address(handler), fns);
    }

    /// @notice All properties below, checked after every call of one campaign (one campaign instead of one per
    ///         property keeps `forge test` fast; each property still names what failed).
    function invariant_settlement() public {
        _settleAcceptsOnlyValidBatches();
        _noTokenCreatedOrDestroyed();
        _settlementNeverLoses();
        _settlesAtMostOncePerCommit();
    }

    /// @notice The handler's batches exercise both outcomes (so the properties are not vacuous).
    function test_handlerSettlesAndRefusesBatches() public {
        for (uint256 i; i < 39; ++i) {
            handler.commitAndSettle(uint256(keccak256(abi.encode(i))), uint8(i % 13), uint8(i));
        }
        assertGe(handler.settledBatches(), 10, "settled some");
        assertGe(handler.refusedBatches(), 12, "refused the broken ones");
        assertEq(handler.violations(), 0, "violations");
        invariant_settlement();
    }

    /// @notice Nothing settled that was refused by the rules: uncommitted, outside the window, expired, below
    ///         limit, replayed; and every settled trade paid exactly its clearing amount (>= its limit).
    function _settleAcceptsOnlyValidBatches() internal view {
        assertEq(handler.violations(), 0, "violations");
    }

    /// @notice No token created or destroyed: supplies constant, all of it held by the known parties.
    function _noTokenCreatedOrDestroyed() internal view {
        assertEq(tokenA.totalSupply(), supplyA, "A supply");
        assertEq(tokenB.totalSupply(), supplyB, "B supply");
        uint256 heldA = tokenA.balanceOf(address(settlement)) + tokenA.balanceOf(pair);
        uint256 heldB = tokenB.balanceOf(address(settlement)) + tokenB.balanceOf(pair);
        heldA += tokenA.balanceOf(trader1) + tokenA.balanceOf(trader2);
        heldB += tokenB.balanceOf(trader1) + tokenB.balanceOf(trader2);
        for (uint256 i; i < 4; ++i) {
            heldA += tokenA.balanceOf(handler.traders(i));
            heldB += tokenB.balanceOf(handler.traders(i));
        }
        assertEq(heldA, supplyA, "A held by known parties");
        assertEq(heldB, supplyB, "B held by known parties");
    }

    /// @notice The settlement never pays out more than it took in: its own balances only grow (dust).
    function _settlementNeverLoses() internal {
        uint256 a = tokenA.balanceOf(address(settlement));
        uint256 b = tokenB.balanceOf(address(settlement));
        assertGe(a, settlementA, "A");
        assertGe(b, settlementB, "B");
        (settlementA, settlementB) = (a, b);
    }

    /// @notice A batch settles at most once and only after its commit (the handler commits once per call).
    function _settlesAtMostOncePerCommit() internal view {
        assertLe(handler.settledBatches() + handler.refusedBatches(), settlement.batchCount(), "settles <= commits");
    }
}

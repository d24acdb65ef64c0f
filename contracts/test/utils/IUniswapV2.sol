// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The parts of the real Uniswap V2 factory and pair the tests drive.
interface IUniswapV2Factory {
    function createPair(address tokenA, address tokenB) external returns (address pair);
}

interface IUniswapV2PairFull {
    function token0() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function mint(address to) external returns (uint256 liquidity);
    function sync() external;
}

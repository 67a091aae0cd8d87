// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The ERC-20 surface the escrow and its collectors use.
interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}

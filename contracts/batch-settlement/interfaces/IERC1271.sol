// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice Contract-wallet signature validation (ERC-1271).
interface IERC1271 {
    /// @return magicValue `IERC1271.isValidSignature.selector` (0x1626ba7e) when the signature is valid
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4 magicValue);
}

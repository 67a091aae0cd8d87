// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice A deposit collector pulls a payer's tokens into the escrow on the escrow's behalf.
/// @dev The escrow calls `collect` and then checks that its own token balance grew by exactly
///      `amount`; how the collector gets the tokens (ERC-3009, Permit2, ...) is its own business.
interface IDepositCollector {
    /// @param payer the channel's payer, whose tokens are pulled
    /// @param token the channel's token
    /// @param amount exactly what must arrive at the escrow
    /// @param channelId the channel the deposit is for (collectors bind their authorization to it)
    /// @param collectorData collector-specific: authorization parameters and signatures
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external;
}

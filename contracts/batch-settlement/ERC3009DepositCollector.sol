// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDepositCollector} from "./interfaces/IDepositCollector.sol";
import {IERC3009} from "./interfaces/IERC3009.sol";
import {TokenTransfer} from "./lib/TokenTransfer.sol";

/// @title ERC3009DepositCollector
/// @notice Pulls a batch-settlement deposit with ERC-3009 `receiveWithAuthorization` and passes it
///         on to the escrow. The payer signs `ReceiveWithAuthorization` under the token's EIP-712
///         domain with `to` = this collector (the token insists `to == msg.sender`) and
///         `nonce = keccak256(abi.encode(channelId, salt))`, so the authorization can only ever fund
///         the channel it was signed for, and only once.
///
/// @dev Only the escrow may call `collect`: otherwise anyone could replay a payer's authorization
///      here and strand the tokens in the escrow without crediting any channel. The escrow's address
///      is canonical (CREATE2, the same on every chain), so it is a constant: nothing here depends
///      on a constructor, and the code can be installed with `anvil_setCode`.
contract ERC3009DepositCollector is IDepositCollector {
    using TokenTransfer for address;

    /// @notice The escrow this collector serves.
    address public constant x402BatchSettlement = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    error OnlyX402BatchSettlement();

    /// @param collectorData `abi.encode(uint256 validAfter, uint256 validBefore, uint256 salt, bytes signature)`
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
    {
        if (msg.sender != x402BatchSettlement) revert OnlyX402BatchSettlement();
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(collectorData, (uint256, uint256, uint256, bytes));
        IERC3009(token).receiveWithAuthorization(
            payer, address(this), amount, validAfter, validBefore, keccak256(abi.encode(channelId, salt)), signature
        );
        token.safeTransfer(x402BatchSettlement, amount);
    }
}

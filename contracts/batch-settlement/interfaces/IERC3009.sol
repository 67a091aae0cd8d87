// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The one ERC-3009 function the deposit collector needs. `receiveWithAuthorization`
///         (unlike `transferWithAuthorization`) requires `msg.sender == to`, so nobody can
///         front-run the pull and redirect it. The `bytes signature` overload is FiatTokenV2_2's,
///         which also accepts ERC-1271 signatures from contract wallets.
interface IERC3009 {
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20Minimal} from "../interfaces/IERC20Minimal.sol";

/// @dev Same name and argument as OpenZeppelin's SafeERC20 failure, so tools that know that error
///      decode ours.
error SafeERC20FailedOperation(address token);

/// @notice ERC-20 `transfer` that accepts both a `true` return and no return data (tokens that
///         predate the standard's bool), and refuses anything else.
library TokenTransfer {
    function safeTransfer(address token, address to, uint256 amount) internal {
        (bool ok, bytes memory returned) = token.call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        bool accepted;
        if (ok) {
            // No return data only counts when there is a contract to have run: a call to an
            // address without code also "succeeds" with nothing returned.
            accepted = returned.length == 0
                ? token.code.length > 0
                : returned.length >= 32 && abi.decode(returned, (uint256)) == 1;
        }
        if (!accepted) revert SafeERC20FailedOperation(token);
    }
}

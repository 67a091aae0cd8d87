// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC1271} from "../interfaces/IERC1271.sol";

// Named like OpenZeppelin's ECDSA errors, so tools that know those decode ours.
error ECDSAInvalidSignature();
error ECDSAInvalidSignatureLength(uint256 length);
error ECDSAInvalidSignatureS(bytes32 s);

/// @notice Signature checks for EIP-712 digests: strict ECDSA for a committed EOA key, and
///         "EOA or ERC-1271 contract" for an address that may be either.
library Signatures {
    /// @dev secp256k1 order / 2. A signature with a larger `s` is the malleable twin of a valid one.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    enum Failure {
        None,
        BadSignature,
        BadLength,
        HighS
    }

    /// @notice Recovers the signer of a 65-byte (r, s, v) signature; never reverts.
    /// @return signer zero unless `failure` is `None`
    /// @return failure why nothing was recovered
    /// @return detail the length (BadLength) or `s` (HighS)
    function tryRecover(bytes32 digest, bytes calldata signature)
        internal
        pure
        returns (address signer, Failure failure, bytes32 detail)
    {
        if (signature.length != 65) return (address(0), Failure.BadLength, bytes32(signature.length));
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (uint256(s) > HALF_ORDER) return (address(0), Failure.HighS, s);
        // ecrecover yields zero for a v other than 27/28 and for points off the curve.
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) return (address(0), Failure.BadSignature, bytes32(0));
        return (signer, Failure.None, bytes32(0));
    }

    /// @notice The ECDSA signer of `digest`; reverts with the ECDSA* error for a malformed signature.
    function recover(bytes32 digest, bytes calldata signature) internal pure returns (address signer) {
        Failure failure;
        bytes32 detail;
        (signer, failure, detail) = tryRecover(digest, signature);
        if (failure == Failure.BadLength) revert ECDSAInvalidSignatureLength(uint256(detail));
        if (failure == Failure.HighS) revert ECDSAInvalidSignatureS(detail);
        if (failure == Failure.BadSignature) revert ECDSAInvalidSignature();
    }

    /// @notice True if `signer` signed `digest`: by ECDSA when it has no code, by ERC-1271 when it
    ///         has (a contract wallet, or an EIP-7702 account, which answers through its delegate).
    ///         The same rule the x402 facilitator applies off-chain, so they agree.
    function isValidNow(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        if (signer.code.length == 0) {
            (address recovered, Failure failure,) = tryRecover(digest, signature);
            return failure == Failure.None && recovered == signer;
        }
        (bool ok, bytes memory returned) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && returned.length >= 32
            && abi.decode(returned, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDepositCollector} from "./interfaces/IDepositCollector.sol";
import {IERC20Minimal} from "./interfaces/IERC20Minimal.sol";
import {Signatures} from "./lib/Signatures.sol";
import {TokenTransfer} from "./lib/TokenTransfer.sol";

/// @title X402BatchSettlement
/// @notice edge402's own implementation of the x402 `batch-settlement` escrow (EVM): payers deposit
///         into channels, sign cumulative vouchers off-chain, and the receiver side claims many
///         vouchers in one transaction and settles the claimed total in one transfer. It follows
///         the scheme spec (x402 specs/schemes/batch-settlement/scheme_batch_settlement_evm.md) and
///         the deployed contract's ABI, so the official x402 client and facilitator work against it.
///
/// @dev Written to be installed with `anvil_setCode` at the canonical address: no constructor, no
///      immutables, no storage that needs initialising. The EIP-712 domain separator is computed
///      from `block.chainid` and `address(this)` on every call (a few hundred gas), never cached.
///
///      Accounting: `channels[id].balance` is what the channel holds (deposits minus withdrawals and
///      refunds, claimed funds included); `totalClaimed` is the cumulative amount the receiver side
///      has claimed from it, never above `balance`. Claimed funds stay in the escrow until `settle`
///      moves a receiver's claimed-but-unsettled total for one token.
contract X402BatchSettlement {
    using TokenTransfer for address;

    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice A channel's identity: `channelId` is the EIP-712 hash of this struct.
    struct ChannelConfig {
        address payer;
        /// @dev The EOA that signs vouchers (ECDSA only); zero: vouchers are checked against `payer`
        ///      (EOA signature or ERC-1271).
        address payerAuthorizer;
        address receiver;
        /// @dev Signs claim batches and refunds; also allowed to call `claim` and `refund` directly.
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    struct ChannelState {
        uint128 balance;
        uint128 totalClaimed;
    }

    struct WithdrawalState {
        uint128 amount;
        /// @dev Zero when no withdrawal is pending.
        uint40 initiatedAt;
    }

    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    /// @notice What the payer signs, with the channel spelled out (the signature covers its id).
    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    /// @notice One claim row: a signed voucher and the cumulative total the receiver side claims
    ///         with it (at most the voucher's ceiling). A row at or below the channel's current
    ///         `totalClaimed` changes nothing, so replaying an old row is harmless.
    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    // ---------------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------------

    uint40 public constant MIN_WITHDRAW_DELAY = 15 minutes;
    uint40 public constant MAX_WITHDRAW_DELAY = 30 days;

    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 public constant REFUND_TYPEHASH = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    bytes32 public constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
    bytes32 public constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    string private constant DOMAIN_NAME = "x402 Batch Settlement";
    string private constant DOMAIN_VERSION = "1";
    bytes32 private constant DOMAIN_NAME_HASH = keccak256(bytes(DOMAIN_NAME));
    bytes32 private constant DOMAIN_VERSION_HASH = keccak256(bytes(DOMAIN_VERSION));

    // ---------------------------------------------------------------------------------------------
    // Storage (all of it starts at zero: nothing to initialise)
    // ---------------------------------------------------------------------------------------------

    mapping(bytes32 channelId => ChannelState) public channels;
    /// @notice The nonce the next `refundWithSignature` must carry. Every executed refund (either
    ///         path, even one that moves nothing) increments it.
    mapping(bytes32 channelId => uint256) public refundNonce;
    mapping(bytes32 channelId => WithdrawalState) public pendingWithdrawals;
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;

    /// @dev Reentrancy lock in transient storage (EIP-1153): cleared at the end of every transaction,
    ///      so it needs no initial value either.
    bool private transient locked;

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A deposit into an empty channel (may fire again after a channel was drained).
    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    /// @notice A refund or withdrawal emptied a channel that never had a claim.
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);
    event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance);
    event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed);
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount);
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter);
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error InvalidChannel();
    error ZeroDeposit();
    error DepositOverflow();
    error InvalidSignature();
    error NotReceiverAuthorizer();
    error NotAuthorizedToClaim();
    error NotAuthorizedToRefund();
    error ClaimExceedsCeiling();
    error ClaimExceedsBalance();
    error WithdrawalAlreadyPending();
    error WithdrawalNotPending();
    error NotAuthorizedToFinalizeWithdraw();
    error WithdrawDelayNotElapsed();
    error NothingToWithdraw();
    error WithdrawAmountExceedsAvailable();
    error WithdrawDelayOutOfRange();
    error EmptyBatch();
    error DepositCollectionFailed();
    error InvalidCollector();
    error InvalidRefundNonce();
    error ZeroRefund();
    error ReentrancyGuardReentrantCall();
    error FailedCall();

    modifier nonReentrant() {
        if (locked) revert ReentrancyGuardReentrantCall();
        locked = true;
        _;
        locked = false;
    }

    // ---------------------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------------------

    /// @notice Adds `amount` to the channel, pulled from the payer by `collector`. Anyone may call
    ///         it (facilitators do, paying the gas); the collector's authorization is what binds
    ///         the payer. Reverts unless the escrow's token balance grows by exactly `amount`.
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external
        nonReentrant
    {
        if (
            config.payer == address(0) || config.receiver == address(0) || config.receiverAuthorizer == address(0)
                || config.token == address(0)
        ) revert InvalidChannel();
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
            revert WithdrawDelayOutOfRange();
        }
        if (amount == 0) revert ZeroDeposit();
        if (collector == address(0)) revert InvalidCollector();

        bytes32 channelId = _channelId(_domainSeparator(), config);
        ChannelState storage channel = channels[channelId];
        uint128 previous = channel.balance;
        if (amount > type(uint128).max - previous) revert DepositOverflow();
        uint128 newBalance = previous + amount;
        channel.balance = newBalance;

        IERC20Minimal token = IERC20Minimal(config.token);
        uint256 held = token.balanceOf(address(this));
        IDepositCollector(collector).collect(config.payer, config.token, amount, channelId, collectorData);
        // The collector is the caller's choice: only the tokens that actually arrived count.
        if (token.balanceOf(address(this)) != held + amount) revert DepositCollectionFailed();

        // totalClaimed never exceeds balance, so an empty channel has no claims; checked anyway so
        // the event's rule reads like the spec's.
        if (previous == 0 && channel.totalClaimed == 0) emit ChannelCreated(channelId, config);
        emit Deposited(channelId, msg.sender, amount, newBalance);
    }

    // ---------------------------------------------------------------------------------------------
    // Claims and settlement
    // ---------------------------------------------------------------------------------------------

    /// @notice Applies claim rows sent by the receiver side itself: `msg.sender` must be the
    ///         `receiver` or `receiverAuthorizer` of every row's channel.
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        uint256 count = voucherClaims.length;
        if (count == 0) revert EmptyBatch();
        bytes32 domain = _domainSeparator();
        for (uint256 i; i < count; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            if (!_isReceiverSide(msg.sender, row.voucher.channel)) revert NotAuthorizedToClaim();
            _applyClaim(domain, row, _channelId(domain, row.voucher.channel));
        }
    }

    /// @notice Applies claim rows authorized by one EIP-712 `ClaimBatch` signature of the rows'
    ///         common `receiverAuthorizer` (ECDSA or ERC-1271). Anyone may relay it.
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        uint256 count = voucherClaims.length;
        if (count == 0) revert EmptyBatch();
        bytes32 domain = _domainSeparator();
        // Channel ids are needed for the batch digest and again for each row: hash them once.
        bytes32[] memory channelIds = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            channelIds[i] = _channelId(domain, voucherClaims[i].voucher.channel);
        }
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        bytes32 digest = _typedDigest(domain, _claimBatchStructHash(voucherClaims, channelIds));
        if (!Signatures.isValidNow(authorizer, digest, authorizerSignature)) revert InvalidSignature();
        for (uint256 i; i < count; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            if (row.voucher.channel.receiverAuthorizer != authorizer) revert NotReceiverAuthorizer();
            _applyClaim(domain, row, channelIds[i]);
        }
    }

    /// @notice Transfers everything claimed for `receiver` in `token` and not yet settled. Anyone may
    ///         call it; with nothing to settle it does nothing (no transfer, no event).
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage state = receivers[receiver][token];
        uint128 claimed = state.totalClaimed;
        uint128 amount = claimed - state.totalSettled;
        if (amount == 0) return;
        state.totalSettled = claimed;
        token.safeTransfer(receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Timed withdrawal (the payer's escape hatch)
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts a withdrawal of up to `amount` of the unclaimed balance; it can be finalized
    ///         `withdrawDelay` seconds later. Only the payer or payerAuthorizer. Claims made in the
    ///         meantime still count: finalize pays out only what is unclaimed by then.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) revert InvalidChannel();
        if (amount == 0) revert NothingToWithdraw();
        bytes32 channelId = _channelId(_domainSeparator(), config);
        WithdrawalState storage pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt != 0) revert WithdrawalAlreadyPending();
        ChannelState storage channel = channels[channelId];
        if (amount > channel.balance - channel.totalClaimed) revert WithdrawAmountExceedsAvailable();

        uint40 now_ = uint40(block.timestamp);
        pending.amount = amount;
        pending.initiatedAt = now_;
        emit WithdrawInitiated(channelId, amount, now_ + config.withdrawDelay);
    }

    /// @notice Completes a pending withdrawal once its delay has passed, paying the payer the
    ///         requested amount capped at what is unclaimed now. Only the payer or payerAuthorizer.
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) {
            revert NotAuthorizedToFinalizeWithdraw();
        }
        bytes32 channelId = _channelId(_domainSeparator(), config);
        WithdrawalState storage pending = pendingWithdrawals[channelId];
        uint256 initiatedAt = pending.initiatedAt;
        if (initiatedAt == 0) revert WithdrawalNotPending();
        if (block.timestamp < initiatedAt + config.withdrawDelay) revert WithdrawDelayNotElapsed();

        ChannelState storage channel = channels[channelId];
        uint128 balance = channel.balance;
        uint128 totalClaimed = channel.totalClaimed;
        uint128 amount = _min(pending.amount, balance - totalClaimed);
        delete pendingWithdrawals[channelId];
        balance -= amount;
        channel.balance = balance;

        emit WithdrawFinalized(channelId, msg.sender, amount);
        if (balance == 0 && totalClaimed == 0) emit ChannelClosed(channelId, config);
        if (amount > 0) config.token.safeTransfer(config.payer, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Cooperative refunds
    // ---------------------------------------------------------------------------------------------

    /// @notice Returns up to `amount` of the unclaimed balance to the payer, sent by the receiver or
    ///         receiverAuthorizer. Advances `refundNonce` (invalidating a signed refund at the old one).
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (!_isReceiverSide(msg.sender, config)) revert NotAuthorizedToRefund();
        _executeRefund(config, _channelId(_domainSeparator(), config), amount);
    }

    /// @notice `refund` for anyone holding the receiverAuthorizer's EIP-712 `Refund` signature for
    ///         this channel, `amount` and the current `refundNonce`.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        bytes32 domain = _domainSeparator();
        bytes32 channelId = _channelId(domain, config);
        if (nonce != refundNonce[channelId]) revert InvalidRefundNonce();
        bytes32 digest = _typedDigest(domain, keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
        if (!Signatures.isValidNow(config.receiverAuthorizer, digest, receiverAuthorizerSignature)) {
            revert InvalidSignature();
        }
        _executeRefund(config, channelId, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Batching
    // ---------------------------------------------------------------------------------------------

    /// @notice Runs each call on this contract in order, in one transaction (e.g. a claim row and the
    ///         refund that must follow it). Any failure reverts the whole batch with its reason.
    /// @dev Not itself locked: each delegate-called function takes the lock in turn.
    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        uint256 count = data.length;
        results = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            (bool ok, bytes memory returned) = address(this).delegatecall(data[i]);
            if (!ok) {
                if (returned.length == 0) revert FailedCall();
                assembly ("memory-safe") {
                    revert(add(returned, 0x20), mload(returned))
                }
            }
            results[i] = returned;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The channel id: EIP-712 hash of `config` under this contract's domain on this chain.
    function getChannelId(ChannelConfig calldata config) external view returns (bytes32) {
        return _channelId(_domainSeparator(), config);
    }

    /// @notice The digest a payer (or payerAuthorizer) signs for a voucher.
    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) external view returns (bytes32) {
        return _voucherDigest(_domainSeparator(), channelId, maxClaimableAmount);
    }

    /// @notice The digest the receiverAuthorizer signs for `refundWithSignature`.
    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) external view returns (bytes32) {
        return _typedDigest(_domainSeparator(), keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
    }

    /// @notice The digest the receiverAuthorizer signs for `claimWithSignature` (defined for an empty
    ///         batch too, although claiming one reverts).
    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) external view returns (bytes32) {
        bytes32 domain = _domainSeparator();
        uint256 count = voucherClaims.length;
        bytes32[] memory channelIds = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            channelIds[i] = _channelId(domain, voucherClaims[i].voucher.channel);
        }
        return _typedDigest(domain, _claimBatchStructHash(voucherClaims, channelIds));
    }

    /// @notice ERC-5267: the EIP-712 domain (name, version, chainId, verifyingContract).
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", DOMAIN_NAME, DOMAIN_VERSION, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _applyClaim(bytes32 domain, VoucherClaim calldata row, bytes32 channelId) private {
        ChannelState storage channel = channels[channelId];
        uint128 previous = channel.totalClaimed;
        uint128 total = row.totalClaimed;
        if (total <= previous) return; // stale or repeated row: nothing to do, not even a signature check
        uint128 ceiling = row.voucher.maxClaimableAmount;
        if (total > ceiling) revert ClaimExceedsCeiling();
        if (total > channel.balance) revert ClaimExceedsBalance();

        ChannelConfig calldata config = row.voucher.channel;
        bytes32 digest = _voucherDigest(domain, channelId, ceiling);
        if (config.payerAuthorizer != address(0)) {
            if (Signatures.recover(digest, row.signature) != config.payerAuthorizer) revert InvalidSignature();
        } else if (!Signatures.isValidNow(config.payer, digest, row.signature)) {
            revert InvalidSignature();
        }

        uint128 delta = total - previous;
        channel.totalClaimed = total;
        receivers[config.receiver][config.token].totalClaimed += delta;
        emit Claimed(channelId, msg.sender, delta, total);
    }

    /// @dev The shared body of `refund` and `refundWithSignature`. The nonce moves first, so even a
    ///      refund that finds nothing unclaimed (and moves nothing) uses it up.
    function _executeRefund(ChannelConfig calldata config, bytes32 channelId, uint128 amount) private {
        if (amount == 0) revert ZeroRefund();
        unchecked {
            ++refundNonce[channelId];
        }
        ChannelState storage channel = channels[channelId];
        uint128 balance = channel.balance;
        uint128 totalClaimed = channel.totalClaimed;
        uint128 refunded = _min(amount, balance - totalClaimed);
        if (refunded == 0) return;
        balance -= refunded;
        channel.balance = balance;

        // A pending withdrawal shrinks by what the refund already returned; one the refund covers
        // entirely is cancelled.
        WithdrawalState storage pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt != 0) {
            uint128 pendingAmount = pending.amount;
            if (refunded >= pendingAmount) delete pendingWithdrawals[channelId];
            else pending.amount = pendingAmount - refunded;
        }

        emit Refunded(channelId, msg.sender, refunded);
        if (balance == 0 && totalClaimed == 0) emit ChannelClosed(channelId, config);
        config.token.safeTransfer(config.payer, refunded);
    }

    function _isReceiverSide(address sender, ChannelConfig calldata config) private pure returns (bool) {
        return sender == config.receiver || sender == config.receiverAuthorizer;
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, block.chainid, address(this)));
    }

    function _channelId(bytes32 domain, ChannelConfig calldata config) private pure returns (bytes32) {
        return _typedDigest(domain, keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    function _voucherDigest(bytes32 domain, bytes32 channelId, uint128 maxClaimableAmount)
        private
        pure
        returns (bytes32)
    {
        return _typedDigest(domain, keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    /// @dev EIP-712 `hashStruct(ClaimBatch)`: an array member is the keccak of its elements' struct
    ///      hashes, concatenated.
    function _claimBatchStructHash(VoucherClaim[] calldata voucherClaims, bytes32[] memory channelIds)
        private
        pure
        returns (bytes32)
    {
        uint256 count = voucherClaims.length;
        bytes32[] memory entryHashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            entryHashes[i] = keccak256(
                abi.encode(
                    CLAIM_ENTRY_TYPEHASH,
                    channelIds[i],
                    voucherClaims[i].voucher.maxClaimableAmount,
                    voucherClaims[i].totalClaimed
                )
            );
        }
        return keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entryHashes))));
    }

    /// @dev keccak256("\x19\x01" ‖ domainSeparator ‖ structHash), the EIP-712 signing digest.
    function _typedDigest(bytes32 domain, bytes32 structHash) private pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            let free := mload(0x40)
            mstore(free, hex"1901")
            mstore(add(free, 0x02), domain)
            mstore(add(free, 0x22), structHash)
            digest := keccak256(free, 0x42)
        }
    }

    function _min(uint128 a, uint128 b) private pure returns (uint128) {
        return a < b ? a : b;
    }
}

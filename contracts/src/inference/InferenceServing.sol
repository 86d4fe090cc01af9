// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/access/Ownable.sol";
import "@openzeppelin/contracts/security/ReentrancyGuard.sol";
import "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import "common/Initializable.sol";
import "common/IServing.sol";
import "common/ILedger.sol";
import "inference/InferenceAccount.sol";
import "inference/InferenceService.sol";

/// @dev One TEE-signed settlement item, as submitted by the provider.
struct TEESettlementData {
    address user;
    address provider;
    uint256 totalFee;
    bytes32 requestsHash;
    uint256 nonce;
    bytes signature;
}

/// @dev Per-item outcome of settleFeesWithTEE (ABI uint8).
enum SettlementStatus {
    SUCCESS,
    PARTIAL,
    PROVIDER_MISMATCH,
    NO_TEE_SIGNER,
    INVALID_NONCE,
    INVALID_SIGNATURE
}

/// @title InferenceServing (service type "inference", version "v1.0")
/// @notice Holds the ETH of the (user, provider) inference sub-accounts, the provider service
/// registry with its stakes, and settles fees from batches signed by the provider's TEE (EIP-712).
contract InferenceServing is Ownable, Initializable, ReentrancyGuard, ERC165, IServing {
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using InferenceAccountLibrary for AccountMap;
    using InferenceAccountLibrary for Account;
    using InferenceServiceLibrary for ServiceMap;

    // ------------------------------------------------------------------ constants

    uint public constant MIN_LOCKTIME = 1 hours;
    uint public constant MAX_LOCKTIME = 7 days;
    uint public constant MIN_PROVIDER_STAKE = 100 ether;

    uint private constant MAX_PAGE_SIZE = 50;
    uint private constant MAX_BATCH_READ = 500;
    uint private constant MAX_SETTLEMENTS = 50;

    string private constant DOMAIN_NAME = "0G Inference Serving";
    string private constant DOMAIN_VERSION = "1";
    /// @dev keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 private constant DOMAIN_TYPEHASH = 0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f;
    /// @dev keccak256("TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)")
    bytes32 private constant TEE_SETTLEMENT_TYPEHASH =
        0x6e525043a6c7323bdf60ce222f35127cdd9d8e867ec6350c83fcc254ed18b756;
    /// @dev keccak256("0G Inference Serving")
    bytes32 private constant DOMAIN_NAME_HASH = 0x2f4ba393a20b900f9f0a8fdd993b162f640c29a02a710d04f515521a29be839b;
    /// @dev keccak256("1")
    bytes32 private constant DOMAIN_VERSION_HASH = 0xc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6;

    // ------------------------------------------------------------------ storage

    /// @custom:storage-location erc7201:0g.serving.inference.v1.0
    struct InferenceServingStorage {
        uint lockTime;
        address ledgerManagerAddress;
        ILedger ledgerManager;
        AccountMap accountMap;
        ServiceMap serviceMap;
        mapping(address => uint) providerStake;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("0g.serving.inference.v1.0")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xdfd123095cdedb1cecbc229b30f7cf8745fb3d3951645ac4a8fa4c0895f89500;

    function _getStorage() private pure returns (InferenceServingStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }

    // ------------------------------------------------------------------ events

    event BalanceUpdated(address indexed user, address indexed provider, uint amount, uint pendingRefund);
    event RefundRequested(address indexed user, address indexed provider, uint indexed index, uint timestamp);
    event ServiceUpdated(
        address indexed service,
        string serviceType,
        string url,
        uint inputPrice,
        uint outputPrice,
        uint updatedAt,
        string model,
        string verifiability
    );
    event ServiceRemoved(address indexed service);
    event TEESettlementResult(address indexed user, SettlementStatus status, uint256 unsettledAmount);
    /// @dev Declared for ABI compatibility; never emitted.
    event BatchBalanceUpdated(address[] users, uint256[] balances, uint256[] pendingRefunds);
    event ProviderTEESignerAcknowledged(address indexed provider, address indexed teeSignerAddress, bool acknowledged);
    event ProviderStaked(address indexed provider, uint amount);
    event ProviderStakeReturned(address indexed provider, uint amount);
    event TokenRevoked(address indexed user, address indexed provider, uint8 tokenId);
    event TokensRevoked(address indexed user, address indexed provider, uint8[] tokenIds);
    event AllTokensRevoked(address indexed user, address indexed provider, uint newGeneration);
    event LockTimeUpdated(uint256 oldLockTime, uint256 newLockTime);
    event ContractInitialized(address indexed owner, uint256 lockTime, address ledgerAddress);
    event AccountDeleted(address indexed user, address indexed provider, uint256 refundedAmount);

    // ------------------------------------------------------------------ errors

    /// @dev Declared for ABI compatibility; never thrown (bad signatures yield status INVALID_SIGNATURE).
    error InvalidTEESignature(string reason);
    error LockTimeOutOfRange(uint256 lockTime, uint256 min, uint256 max);
    error CallerNotLedger(address caller);
    error LimitTooLarge(uint256 limit, uint256 max);
    error InvalidAddress(address addr);
    error TransferFailed();
    error CannotAddStakeWhenUpdating();
    error InsufficientStake(uint256 provided, uint256 required);
    error NoSettlementsProvided();
    error TooManySettlements(uint256 count, uint256 max);
    error ProviderCannotBeUser();
    error DirectDepositsDisabled();

    // ------------------------------------------------------------------ modifiers

    modifier onlyLedgerManager() {
        if (msg.sender != _getStorage().ledgerManagerAddress) revert CallerNotLedger(msg.sender);
        _;
    }

    modifier withValidAddresses(address user, address provider) {
        if (user == address(0)) revert InvalidAddress(user);
        if (provider == address(0)) revert InvalidAddress(provider);
        if (user == provider) revert ProviderCannotBeUser();
        _;
    }

    // ------------------------------------------------------------------ admin

    constructor() {
        _disableInitializers();
    }

    function initialize(uint _locktime, address _ledgerAddress, address owner) public onlyInitializeOnce {
        _transferOwnership(owner);
        _checkLockTime(_locktime);
        InferenceServingStorage storage $ = _getStorage();
        $.lockTime = _locktime;
        $.ledgerManagerAddress = _ledgerAddress;
        $.ledgerManager = ILedger(_ledgerAddress);
        // A proxy's ReentrancyGuard slot starts at 0; put it in the "not entered" state (1) right
        // away so the first nonReentrant call does not pay for a zero-to-non-zero write.
        assembly ("memory-safe") {
            if iszero(sload(1)) {
                sstore(1, 1)
            }
        }
        emit ContractInitialized(owner, _locktime, _ledgerAddress);
    }

    function lockTime() external view returns (uint) {
        return _getStorage().lockTime;
    }

    function ledgerAddress() external view returns (address) {
        return _getStorage().ledgerManagerAddress;
    }

    function updateLockTime(uint _locktime) public onlyOwner {
        _checkLockTime(_locktime);
        InferenceServingStorage storage $ = _getStorage();
        uint oldLockTime = $.lockTime;
        $.lockTime = _locktime;
        emit LockTimeUpdated(oldLockTime, _locktime);
    }

    function acknowledgeTEESignerByOwner(address provider) external onlyOwner {
        _setTEESignerAcknowledged(provider, true);
    }

    function revokeTEESignerAcknowledgement(address provider) external onlyOwner {
        _setTEESignerAcknowledged(provider, false);
    }

    // ------------------------------------------------------------------ ledger-only

    function addAccount(
        address user,
        address provider,
        string calldata additionalInfo
    ) external payable onlyLedgerManager withValidAddresses(user, provider) {
        _getStorage().accountMap.create(user, provider, additionalInfo, msg.value);
        emit BalanceUpdated(user, provider, msg.value, 0);
    }

    function depositFund(
        address user,
        address provider,
        uint cancelRetrievingAmount
    ) external payable onlyLedgerManager withValidAddresses(user, provider) {
        Account storage account = _getStorage().accountMap.get(user, provider);
        uint pendingRefund = account.cancelRefunds(cancelRetrievingAmount);
        uint balance = account.balance + msg.value;
        if (msg.value != 0) account.balance = balance;
        if (!account.acknowledged) account.acknowledged = true;
        emit BalanceUpdated(user, provider, balance, pendingRefund);
    }

    function requestRefundAll(address user, address provider) external onlyLedgerManager {
        Account storage account = _getStorage().accountMap.get(user, provider);
        uint validLength = account.requestRefundAll(user, provider);
        if (validLength > 0) {
            unchecked {
                emit RefundRequested(user, provider, validLength - 1, block.timestamp);
            }
        }
    }

    function processRefund(
        address user,
        address provider
    ) external onlyLedgerManager returns (uint totalAmount, uint balance, uint pendingRefund) {
        InferenceServingStorage storage $ = _getStorage();
        Account storage account = $.accountMap.get(user, provider);
        (totalAmount, balance, pendingRefund) = account.collectMatured($.lockTime);
        if (totalAmount > 0) {
            emit BalanceUpdated(user, provider, balance, pendingRefund);
            (bool success, ) = payable(msg.sender).call{value: totalAmount}("");
            if (!success) revert TransferFailed();
        }
    }

    function deleteAccount(address user, address provider) external onlyLedgerManager {
        uint deletedBalance = _getStorage().accountMap.softDelete(user, provider);
        emit AccountDeleted(user, provider, deletedBalance);
    }

    // ------------------------------------------------------------------ user

    function acknowledgeTEESigner(address provider, bool acknowledged) external {
        Account storage account = _getStorage().accountMap.get(msg.sender, provider);
        if (account.acknowledged) {
            if (!acknowledged) {
                uint balance = account.balance;
                if (balance != 0) {
                    revert InferenceAccountLibrary.CannotRevokeWithNonZeroBalance(msg.sender, provider, balance);
                }
                account.acknowledged = false;
            }
        } else if (acknowledged) {
            account.acknowledged = true;
        }
    }

    function revokeToken(address provider, uint8 tokenId) external {
        Account storage account = _getStorage().accountMap.get(msg.sender, provider);
        account.revokedBitmap |= (uint256(1) << tokenId);
        emit TokenRevoked(msg.sender, provider, tokenId);
    }

    function revokeTokens(address provider, uint8[] calldata tokenIds) external {
        Account storage account = _getStorage().accountMap.get(msg.sender, provider);
        uint256 bitmap = account.revokedBitmap;
        uint n = tokenIds.length;
        for (uint i; i < n; ) {
            bitmap |= (uint256(1) << tokenIds[i]);
            unchecked {
                ++i;
            }
        }
        account.revokedBitmap = bitmap;
        emit TokensRevoked(msg.sender, provider, tokenIds);
    }

    function revokeAllTokens(address provider) external {
        Account storage account = _getStorage().accountMap.get(msg.sender, provider);
        uint newGeneration = account.generation + 1;
        account.generation = newGeneration;
        account.revokedBitmap = 0;
        emit AllTokensRevoked(msg.sender, provider, newGeneration);
    }

    // ------------------------------------------------------------------ provider

    function addOrUpdateService(ServiceParams calldata params) external payable {
        InferenceServingStorage storage $ = _getStorage();
        if ($.providerStake[msg.sender] > 0) {
            if (msg.value != 0) revert CannotAddStakeWhenUpdating();
        } else {
            if (msg.value < MIN_PROVIDER_STAKE) revert InsufficientStake(msg.value, MIN_PROVIDER_STAKE);
            $.providerStake[msg.sender] = msg.value;
            emit ProviderStaked(msg.sender, msg.value);
        }
        $.serviceMap.addOrUpdate(msg.sender, params);
        emit ServiceUpdated(
            msg.sender,
            params.serviceType,
            params.url,
            params.inputPrice,
            params.outputPrice,
            block.timestamp,
            params.model,
            params.verifiability
        );
    }

    function removeService() external nonReentrant {
        InferenceServingStorage storage $ = _getStorage();
        $.serviceMap.remove(msg.sender);
        uint stake = $.providerStake[msg.sender];
        if (stake > 0) {
            $.providerStake[msg.sender] = 0;
            emit ProviderStakeReturned(msg.sender, stake);
            emit ServiceRemoved(msg.sender);
            (bool success, ) = payable(msg.sender).call{value: stake}("");
            if (!success) revert TransferFailed();
        } else {
            emit ServiceRemoved(msg.sender);
        }
    }

    /// @notice Settles a batch of TEE-signed fees against the caller's sub-accounts. Items that fail a
    /// check are skipped with a status (never reverting the batch); the settled total is paid to the
    /// caller in one transfer after the loop.
    function settleFeesWithTEE(
        TEESettlementData[] calldata settlements
    ) external nonReentrant returns (uint8[] memory statuses) {
        uint n = _checkBatchSize(settlements.length);
        InferenceServingStorage storage $ = _getStorage();
        (bool serviceExists_, bool teeReady, address teeSigner) = _settlementService($);
        bytes32 domainSeparator = _domainSeparator();
        ILedger ledger = $.ledgerManager;
        mapping(bytes32 => Account) storage accounts = $.accountMap._values;
        statuses = new uint8[](n);
        uint totalToPay;
        for (uint i; i < n; ) {
            TEESettlementData calldata settlement = settlements[i];
            address user = settlement.user;
            uint totalFee = settlement.totalFee;
            bytes32 key = InferenceAccountLibrary.accountKey(user, msg.sender);
            Account storage account = accounts[key];
            SettlementStatus status = _validate(
                $,
                settlement,
                key,
                account,
                serviceExists_,
                teeReady,
                teeSigner,
                domainSeparator
            );
            uint unsettled = totalFee;
            if (status == SettlementStatus.SUCCESS) {
                account.nonce = settlement.nonce;
                uint balance = account.balance;
                uint toSettle = totalFee <= balance ? totalFee : balance;
                unchecked {
                    unsettled = totalFee - toSettle;
                }
                if (toSettle > 0) {
                    (uint newBalance, uint pendingRefund) = account.debit(toSettle, balance);
                    _spendFund(ledger, user, toSettle);
                    emit BalanceUpdated(user, msg.sender, newBalance, pendingRefund);
                    totalToPay += toSettle;
                }
                if (unsettled > 0) status = SettlementStatus.PARTIAL;
            }
            statuses[i] = uint8(status);
            emit TEESettlementResult(user, status, unsettled);
            unchecked {
                ++i;
            }
        }
        if (totalToPay > 0) {
            (bool success, ) = payable(msg.sender).call{value: totalToPay}("");
            if (!success) revert TransferFailed();
        }
    }

    /// @notice Dry run of settleFeesWithTEE for msg.sender as the provider: failed items with their
    /// status, and partial items with the amount that would stay unsettled. Each item is judged
    /// against the current state, independently of the other items of the batch.
    function previewSettlementResults(
        TEESettlementData[] calldata settlements
    )
        external
        view
        returns (
            address[] memory failedUsers,
            SettlementStatus[] memory failureReasons,
            address[] memory partialUsers,
            uint256[] memory partialAmounts
        )
    {
        uint n = _checkBatchSize(settlements.length);
        InferenceServingStorage storage $ = _getStorage();
        (bool serviceExists_, bool teeReady, address teeSigner) = _settlementService($);
        bytes32 domainSeparator = _domainSeparator();
        mapping(bytes32 => Account) storage accounts = $.accountMap._values;
        failedUsers = new address[](n);
        failureReasons = new SettlementStatus[](n);
        partialUsers = new address[](n);
        partialAmounts = new uint256[](n);
        uint failedCount;
        uint partialCount;
        for (uint i; i < n; ) {
            TEESettlementData calldata settlement = settlements[i];
            bytes32 key = InferenceAccountLibrary.accountKey(settlement.user, msg.sender);
            Account storage account = accounts[key];
            SettlementStatus status = _validate(
                $,
                settlement,
                key,
                account,
                serviceExists_,
                teeReady,
                teeSigner,
                domainSeparator
            );
            if (status != SettlementStatus.SUCCESS) {
                failedUsers[failedCount] = settlement.user;
                failureReasons[failedCount] = status;
                unchecked {
                    ++failedCount;
                }
            } else {
                uint totalFee = settlement.totalFee;
                uint balance = account.balance;
                if (totalFee > balance) {
                    partialUsers[partialCount] = settlement.user;
                    unchecked {
                        partialAmounts[partialCount] = totalFee - balance;
                        ++partialCount;
                    }
                }
            }
            unchecked {
                ++i;
            }
        }
        assembly ("memory-safe") {
            mstore(failedUsers, failedCount)
            mstore(failureReasons, failedCount)
            mstore(partialUsers, partialCount)
            mstore(partialAmounts, partialCount)
        }
    }

    // ------------------------------------------------------------------ views

    function getAccount(address user, address provider) external view returns (Account memory) {
        return _getStorage().accountMap.get(user, provider);
    }

    function getAllAccounts(uint offset, uint limit) external view returns (Account[] memory accounts, uint total) {
        limit = _checkLimit(limit);
        AccountMap storage map = _getStorage().accountMap;
        return map.page(map._keys, offset, limit);
    }

    function getAccountsByProvider(
        address provider,
        uint offset,
        uint limit
    ) external view returns (Account[] memory accounts, uint total) {
        limit = _checkLimit(limit);
        AccountMap storage map = _getStorage().accountMap;
        return map.page(map._providerIndex[provider], offset, limit);
    }

    function getAccountsByUser(
        address user,
        uint offset,
        uint limit
    ) external view returns (Account[] memory accounts, uint total) {
        limit = _checkLimit(limit);
        AccountMap storage map = _getStorage().accountMap;
        return map.page(map._userIndex[user], offset, limit);
    }

    /// @notice The accounts of `users` with msg.sender as the provider; a missing account is a
    /// zeroed struct in its slot.
    function getBatchAccountsByUsers(address[] calldata users) external view returns (Account[] memory accounts) {
        uint n = users.length;
        if (n > MAX_BATCH_READ) revert InferenceAccountLibrary.BatchSizeTooLarge(n, MAX_BATCH_READ);
        AccountMap storage map = _getStorage().accountMap;
        accounts = new Account[](n);
        for (uint i; i < n; ) {
            bytes32 key = InferenceAccountLibrary.accountKey(users[i], msg.sender);
            if (map.exists(key)) accounts[i] = map._values[key];
            unchecked {
                ++i;
            }
        }
    }

    function accountExists(address user, address provider) external view returns (bool) {
        return _getStorage().accountMap.exists(user, provider);
    }

    function getPendingRefund(address user, address provider) external view returns (uint) {
        return _getStorage().accountMap.get(user, provider).pendingRefund;
    }

    function isTokenRevoked(address user, address provider, uint8 tokenId) external view returns (bool) {
        return (_getStorage().accountMap.get(user, provider).revokedBitmap >> tokenId) & 1 == 1;
    }

    function serviceExists(address provider) external view returns (bool) {
        return _getStorage().serviceMap.exists(provider);
    }

    function getService(address provider) external view returns (Service memory service) {
        return _getStorage().serviceMap.get(provider);
    }

    function getAllServices(uint offset, uint limit) external view returns (Service[] memory services, uint total) {
        limit = _checkLimit(limit);
        return _getStorage().serviceMap.page(offset, limit);
    }

    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IServing).interfaceId || super.supportsInterface(interfaceId);
    }

    receive() external payable {
        revert DirectDepositsDisabled();
    }

    // ------------------------------------------------------------------ internals

    function _checkLockTime(uint _locktime) private pure {
        if (_locktime < MIN_LOCKTIME || _locktime > MAX_LOCKTIME) {
            revert LockTimeOutOfRange(_locktime, MIN_LOCKTIME, MAX_LOCKTIME);
        }
    }

    function _checkLimit(uint limit) private pure returns (uint) {
        if (limit > MAX_PAGE_SIZE) revert LimitTooLarge(limit, MAX_PAGE_SIZE);
        return limit == 0 ? MAX_PAGE_SIZE : limit;
    }

    function _checkBatchSize(uint n) private pure returns (uint) {
        if (n == 0) revert NoSettlementsProvided();
        if (n > MAX_SETTLEMENTS) revert TooManySettlements(n, MAX_SETTLEMENTS);
        return n;
    }

    function _setTEESignerAcknowledged(address provider, bool acknowledged) private {
        Service storage service = _getStorage().serviceMap.get(provider);
        service.teeSignerAcknowledged = acknowledged;
        emit ProviderTEESignerAcknowledged(provider, service.teeSignerAddress, acknowledged);
    }

    /// @dev The caller's service as settlement sees it: whether it exists, whether its TEE signer is
    /// usable (owner-acknowledged and non-zero), and the signer. Read once per batch.
    function _settlementService(
        InferenceServingStorage storage $
    ) private view returns (bool exists, bool teeReady, address teeSigner) {
        bytes32 key = InferenceServiceLibrary.serviceKey(msg.sender);
        exists = $.serviceMap._keys.contains(key);
        if (exists) {
            Service storage service = $.serviceMap._values[key];
            teeSigner = service.teeSignerAddress;
            teeReady = service.teeSignerAcknowledged && teeSigner != address(0);
        }
    }

    /// @dev ledger.spendFund(user, amount) as a plain CALL, bubbling up any revert. It skips the
    /// EXTCODESIZE pre-check of a high-level call; a ledger without code is rejected explicitly.
    function _spendFund(ILedger ledger, address user, uint amount) private {
        bytes4 selector = ILedger.spendFund.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 0x04), and(user, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(p, 0x24), amount)
            if iszero(call(gas(), ledger, 0, p, 0x44, 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if iszero(returndatasize()) {
                if iszero(extcodesize(ledger)) {
                    revert(0, 0)
                }
            }
        }
    }

    /// @dev EIP-712 domain separator for this contract (the proxy) on the current chain.
    function _domainSeparator() private view returns (bytes32 separator) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, DOMAIN_TYPEHASH)
            mstore(add(p, 0x20), DOMAIN_NAME_HASH)
            mstore(add(p, 0x40), DOMAIN_VERSION_HASH)
            mstore(add(p, 0x60), chainid())
            mstore(add(p, 0x80), address())
            separator := keccak256(p, 0xa0)
        }
    }

    /// @dev Checks 1–6 of §6.3 in order; SUCCESS means the item may be settled.
    function _validate(
        InferenceServingStorage storage $,
        TEESettlementData calldata settlement,
        bytes32 key,
        Account storage account,
        bool serviceExists_,
        bool teeReady,
        address teeSigner,
        bytes32 domainSeparator
    ) private view returns (SettlementStatus) {
        if (settlement.provider != msg.sender) return SettlementStatus.PROVIDER_MISMATCH;
        if (!$.accountMap.exists(key)) return SettlementStatus.INVALID_SIGNATURE;
        if (!serviceExists_) return SettlementStatus.PROVIDER_MISMATCH;
        if (!teeReady || !account.acknowledged) return SettlementStatus.NO_TEE_SIGNER;
        uint nonce = settlement.nonce;
        if (account.nonce >= nonce) return SettlementStatus.INVALID_NONCE;
        if (!_verifySignature(settlement, nonce, teeSigner, domainSeparator)) return SettlementStatus.INVALID_SIGNATURE;
        return SettlementStatus.SUCCESS;
    }

    /// @dev EIP-712 check of the item's signature against `teeSigner`, with the same rules as OZ
    /// ECDSA.tryRecover(bytes32, bytes): exactly 65 bytes r‖s‖v, low s, non-zero recovery.
    function _verifySignature(
        TEESettlementData calldata settlement,
        uint nonce,
        address teeSigner,
        bytes32 domainSeparator
    ) private pure returns (bool) {
        bytes calldata signature = settlement.signature;
        if (signature.length != 65) return false;
        bytes32 requestsHash = settlement.requestsHash;
        address provider = settlement.provider;
        address user = settlement.user;
        uint totalFee = settlement.totalFee;
        bytes32 digest;
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, TEE_SETTLEMENT_TYPEHASH)
            mstore(add(p, 0x20), requestsHash)
            mstore(add(p, 0x40), nonce)
            mstore(add(p, 0x60), provider)
            mstore(add(p, 0x80), user)
            mstore(add(p, 0xa0), totalFee)
            let structHash := keccak256(p, 0xc0)
            mstore(p, 0x1901000000000000000000000000000000000000000000000000000000000000)
            mstore(add(p, 0x02), domainSeparator)
            mstore(add(p, 0x22), structHash)
            digest := keccak256(p, 0x42)
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        (address recovered, ECDSA.RecoverError error) = ECDSA.tryRecover(digest, v, r, s);
        return error == ECDSA.RecoverError.NoError && recovered == teeSigner;
    }
}

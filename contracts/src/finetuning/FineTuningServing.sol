// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/access/Ownable.sol";
import "@openzeppelin/contracts/security/ReentrancyGuard.sol";
import "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import "common/Initializable.sol";
import "common/ILedger.sol";
import "common/IServing.sol";
import "./FineTuningAccount.sol";
import "./FineTuningService.sol";
import "./FineTuningVerifier.sol";

/// @dev Base layout of the service contract: slot 0 = Ownable owner + Initializable flags, slot 1 =
/// ReentrancyGuard status. The constructor locks the logic contract so only proxies can be initialized.
/// (It lives here so that the deployed contract's ABI has no constructor entry, like the official one.)
abstract contract FineTuningServingBase is Ownable, Initializable, ReentrancyGuard, ERC165 {
    constructor() {
        _disableInitializers();
    }
}

/// @title FineTuningServing
/// @dev Fine-tuning sub-accounts (user, provider), provider services with a stake, deliverables and the
/// TEE-signed per-deliverable settlement. All state lives in one namespaced struct.
contract FineTuningServing is FineTuningServingBase, IServing {
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using FineTuningAccount for AccountMap;
    using FineTuningAccount for Account;
    using FineTuningService for ServiceMap;

    uint256 public constant MIN_LOCKTIME = 1 hours;
    uint256 public constant MAX_LOCKTIME = 7 days;
    uint256 public constant MIN_PROVIDER_STAKE = 100 ether;

    uint256 private constant MAX_DELIVERABLES = FineTuningAccount.MAX_DELIVERABLES_PER_ACCOUNT;
    uint256 private constant MAX_DELIVERABLE_ID_LENGTH = 256;
    uint256 private constant MAX_ADDITIONAL_INFO_LENGTH = 4096;
    uint256 private constant MAX_PAGE_SIZE = 50;
    uint256 private constant MAX_BATCH_SIZE = 50;

    /// @custom:storage-location erc7201:0g.serving.finetuning.v1.0
    struct FineTuningServingStorage {
        uint256 lockTime;
        address ledgerAddress;
        ILedger ledger;
        AccountMap accountMap;
        ServiceMap serviceMap;
        uint256 penaltyPercentage;
        mapping(address => uint256) providerStake;
    }

    /// keccak256(abi.encode(uint256(keccak256("0g.serving.finetuning.v1.0")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x5dcaaa00d1d3fae8cd5d66aceca789aec54970049ac35cb62a7adefca50a6800;

    event BalanceUpdated(address indexed user, address indexed provider, uint256 amount, uint256 pendingRefund);
    event RefundRequested(address indexed user, address indexed provider, uint256 indexed index, uint256 timestamp);
    event ServiceUpdated(
        address indexed provider,
        string url,
        Quota quota,
        uint256 pricePerToken,
        address teeSignerAddress,
        bool occupied
    );
    event ServiceRemoved(address indexed provider);
    event AccountDeleted(address indexed user, address indexed provider, uint256 refundedAmount);
    event LockTimeUpdated(uint256 oldLockTime, uint256 newLockTime);
    event ProviderTEESignerAcknowledged(address indexed provider, address indexed teeSignerAddress, bool acknowledged);
    event ProviderStaked(address indexed provider, uint256 amount);
    event ProviderStakeReturned(address indexed provider, uint256 amount);
    event DeliverableAdded(
        address indexed user,
        address indexed provider,
        string deliverableId,
        bytes modelRootHash,
        uint256 timestamp
    );
    event DeliverableAcknowledged(
        address indexed user,
        address indexed provider,
        string deliverableId,
        uint256 timestamp
    );
    event DeliverableEvicted(
        address indexed provider,
        address indexed user,
        string evictedDeliverableId,
        string newDeliverableId,
        uint256 timestamp
    );
    event FeesSettled(
        address indexed user,
        address indexed provider,
        string deliverableId,
        uint256 fee,
        bool acknowledged,
        uint256 nonce
    );
    event DeliverableAbandoned(address indexed user, address indexed provider, string deliverableId, uint256 timestamp);

    error InvalidVerifierInput(string reason);
    error InvalidLedgerAddress();
    error CallerNotLedger();
    error PenaltyPercentageTooHigh(uint256 percentage);
    error LockTimeOutOfRange(uint256 lockTime);
    error LimitTooLarge(uint256 limit);
    error TransferToLedgerFailed();
    error ETHTransferFailed();
    error DirectDepositsDisabled();
    error SecretShouldNotBeEmpty();
    error SecretShouldBeEmpty();
    error CannotAddStakeWhenUpdating();
    error InsufficientStake(uint256 provided, uint256 required);
    error DeliverableAlreadySettled(string id);
    error CannotAbandonSettledDeliverable(string id);

    function _s() private pure returns (FineTuningServingStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    function _onlyLedger() private view {
        if (msg.sender != _s().ledgerAddress) revert CallerNotLedger();
    }

    function _checkLockTime(uint256 _locktime) private pure {
        if (_locktime < MIN_LOCKTIME || _locktime > MAX_LOCKTIME) revert LockTimeOutOfRange(_locktime);
    }

    function _checkPenalty(uint256 _penaltyPercentage) private pure {
        if (_penaltyPercentage > 100) revert PenaltyPercentageTooHigh(_penaltyPercentage);
    }

    function _account(address user, address provider) private view returns (Account storage) {
        return _s().accountMap.get(user, provider);
    }

    // ---------------------------------------------------------------- admin

    function initialize(
        uint256 _locktime,
        address _ledgerAddress,
        address initialOwner,
        uint256 _penaltyPercentage
    ) external onlyInitializeOnce {
        if (_ledgerAddress == address(0) || _ledgerAddress.code.length == 0) revert InvalidLedgerAddress();
        _checkPenalty(_penaltyPercentage);
        _transferOwnership(initialOwner);
        _checkLockTime(_locktime);
        FineTuningServingStorage storage $ = _s();
        $.lockTime = _locktime;
        $.ledgerAddress = _ledgerAddress;
        $.ledger = ILedger(_ledgerAddress);
        $.penaltyPercentage = _penaltyPercentage;
    }

    function lockTime() external view returns (uint256) {
        return _s().lockTime;
    }

    function ledgerAddress() external view returns (address) {
        return _s().ledgerAddress;
    }

    function penaltyPercentage() external view returns (uint256) {
        return _s().penaltyPercentage;
    }

    function updateLockTime(uint256 _locktime) external onlyOwner {
        _checkLockTime(_locktime);
        FineTuningServingStorage storage $ = _s();
        uint256 old = $.lockTime;
        if (old != _locktime) {
            $.lockTime = _locktime;
            emit LockTimeUpdated(old, _locktime);
        }
    }

    function updatePenaltyPercentage(uint256 _penaltyPercentage) external onlyOwner {
        _checkPenalty(_penaltyPercentage);
        _s().penaltyPercentage = _penaltyPercentage;
    }

    function acknowledgeTEESignerByOwner(address provider) external onlyOwner {
        _setTEESignerAcknowledged(provider, true);
    }

    function revokeTEESignerAcknowledgement(address provider) external onlyOwner {
        _setTEESignerAcknowledged(provider, false);
    }

    function _setTEESignerAcknowledged(address provider, bool acknowledged) private {
        Service storage service = _s().serviceMap.get(provider);
        service.teeSignerAcknowledged = acknowledged;
        emit ProviderTEESignerAcknowledged(provider, service.teeSignerAddress, acknowledged);
    }

    // ---------------------------------------------------------------- ledger-only

    function addAccount(address user, address provider, string calldata additionalInfo) external payable {
        _onlyLedger();
        if (bytes(additionalInfo).length > MAX_ADDITIONAL_INFO_LENGTH) revert FineTuningAccount.AdditionalInfoTooLong();
        AccountMap storage map = _s().accountMap;
        bytes32 k = FineTuningAccount.key(user, provider);
        if (!map._keys.add(k)) revert FineTuningAccount.AccountExists(user, provider);
        map._providerIndex[provider].add(k);
        map._userIndex[user].add(k);
        // A soft-deleted account keeps only user, provider and nonce; everything else is already zero.
        Account storage account = map._values[k];
        account.user = user;
        account.provider = provider;
        account.balance = msg.value;
        account.additionalInfo = additionalInfo;
        account.acknowledged = true;
        emit BalanceUpdated(user, provider, msg.value, 0);
    }

    function depositFund(address user, address provider, uint256 cancelRetrievingAmount) external payable {
        _onlyLedger();
        Account storage account = _account(user, provider);
        uint256 pending = account.pendingRefund;
        if (cancelRetrievingAmount != 0 && account.validRefundsLength != 0) {
            pending -= account.takeRefundsLifo(cancelRetrievingAmount);
            account.pendingRefund = pending;
        }
        uint256 balance = account.balance + msg.value;
        account.balance = balance;
        if (!account.acknowledged) account.acknowledged = true;
        emit BalanceUpdated(user, provider, balance, pending);
    }

    function requestRefundAll(address user, address provider) external {
        _onlyLedger();
        Account storage account = _account(user, provider);
        uint256 n = account.validRefundsLength;
        uint256 amount = account.balance - account.pendingRefund;
        if (amount != 0) {
            if (n >= FineTuningAccount.MAX_REFUNDS_PER_ACCOUNT) revert FineTuningAccount.TooManyRefunds(user, provider);
            Refund memory refund = Refund(n, amount, block.timestamp, false);
            if (n == account.refunds.length) account.refunds.push(refund);
            else account.refunds[n] = refund;
            account.validRefundsLength = ++n;
            account.pendingRefund += amount;
        }
        if (n != 0) emit RefundRequested(user, provider, n - 1, block.timestamp);
    }

    function processRefund(
        address user,
        address provider
    ) external returns (uint256 totalAmount, uint256 balance, uint256 pendingRefund) {
        _onlyLedger();
        Account storage account = _account(user, provider);
        balance = account.balance;
        pendingRefund = account.pendingRefund;
        uint256 n = account.validRefundsLength;
        if (n == 0) return (0, balance, pendingRefund);

        uint256 lockTime_ = _s().lockTime;
        uint256 kept;
        uint256 writeIndex;
        for (uint256 i; i < n; ++i) {
            Refund storage refund = account.refunds[i];
            uint256 amount = refund.amount;
            if (block.timestamp >= refund.createdAt + lockTime_) {
                totalAmount += amount;
            } else {
                if (writeIndex != i) {
                    Refund storage dst = account.refunds[writeIndex];
                    dst.index = writeIndex;
                    dst.amount = amount;
                    dst.createdAt = refund.createdAt;
                    dst._deprecated_processed = refund._deprecated_processed;
                }
                kept += amount;
                ++writeIndex;
            }
        }
        account.validRefundsLength = writeIndex;
        balance -= totalAmount;
        account.balance = balance;
        pendingRefund = kept;
        account.pendingRefund = kept;

        if (totalAmount != 0) {
            emit BalanceUpdated(user, provider, balance, kept);
            (bool ok, ) = payable(msg.sender).call{value: totalAmount}("");
            if (!ok) revert TransferToLedgerFailed();
        }
    }

    function deleteAccount(address user, address provider) external {
        _onlyLedger();
        AccountMap storage map = _s().accountMap;
        bytes32 k = FineTuningAccount.key(user, provider);
        uint256 deletedBalance;
        if (map._keys.remove(k)) {
            map._providerIndex[provider].remove(k);
            map._userIndex[user].remove(k);
            // Soft delete: user, provider and nonce stay so old signatures remain unusable.
            Account storage account = map._values[k];
            deletedBalance = account.balance;
            account.balance = 0;
            account.pendingRefund = 0;
            account.validRefundsLength = 0;
            account.acknowledged = false;
            delete account.refunds;
            delete account.additionalInfo;
            // While filling, the live ids are [0, count); once full, all 20 are live.
            uint256 count = account.deliverablesCount;
            for (uint256 i; i < count; ++i) delete account.deliverables[account.deliverableIds[i]];
            account.deliverablesHead = 0;
            account.deliverablesCount = 0;
        }
        emit AccountDeleted(user, provider, deletedBalance);
    }

    // ---------------------------------------------------------------- user

    function acknowledgeTEESigner(address provider, bool acknowledged) external {
        Account storage account = _account(msg.sender, provider);
        if (account.acknowledged && !acknowledged) {
            uint256 balance = account.balance;
            if (balance != 0) revert FineTuningAccount.CannotRevokeWithNonZeroBalance(msg.sender, provider, balance);
        }
        account.acknowledged = acknowledged;
    }

    function acknowledgeDeliverable(address provider, string calldata id) external {
        Deliverable storage d = _account(msg.sender, provider).deliverable(id);
        if (d.settled) revert FineTuningAccount.CannotAcknowledgeSettledDeliverable(id);
        d.acknowledged = true;
        emit DeliverableAcknowledged(msg.sender, provider, id, block.timestamp);
    }

    // ---------------------------------------------------------------- provider

    function addOrUpdateService(
        string calldata url,
        Quota calldata quota,
        uint256 pricePerToken,
        bool occupied,
        string[] calldata models,
        address teeSignerAddress
    ) external payable {
        FineTuningServingStorage storage $ = _s();
        if ($.providerStake[msg.sender] != 0) {
            if (msg.value != 0) revert CannotAddStakeWhenUpdating();
        } else {
            if (msg.value < MIN_PROVIDER_STAKE) revert InsufficientStake(msg.value, MIN_PROVIDER_STAKE);
            $.providerStake[msg.sender] = msg.value;
            emit ProviderStaked(msg.sender, msg.value);
        }
        $.serviceMap.upsert(msg.sender, url, quota, pricePerToken, occupied, models, teeSignerAddress);
        emit ServiceUpdated(msg.sender, url, quota, pricePerToken, teeSignerAddress, occupied);
    }

    function removeService() external nonReentrant {
        FineTuningServingStorage storage $ = _s();
        $.serviceMap.remove(msg.sender);
        uint256 stake = $.providerStake[msg.sender];
        if (stake != 0) {
            $.providerStake[msg.sender] = 0;
            emit ProviderStakeReturned(msg.sender, stake);
            emit ServiceRemoved(msg.sender);
            (bool ok, ) = payable(msg.sender).call{value: stake}("");
            if (!ok) revert ETHTransferFailed();
        } else {
            emit ServiceRemoved(msg.sender);
        }
    }

    function addDeliverable(address user, string calldata id, bytes calldata modelRootHash) external {
        uint256 idLength = bytes(id).length;
        if (idLength == 0 || idLength > MAX_DELIVERABLE_ID_LENGTH) {
            revert FineTuningAccount.DeliverableIdInvalidLength(idLength);
        }
        Account storage account = _account(user, msg.sender);
        Deliverable storage d = account.deliverables[id];
        if (d.timestamp != 0) revert FineTuningAccount.DeliverableAlreadyExists(id);

        uint256 count = account.deliverablesCount;
        // Serial rule: the latest deliverable must be acknowledged (not necessarily settled). It sits at
        // count - 1 while the buffer fills (head stays 0) and at (head + 19) % 20 once it is full.
        if (count < MAX_DELIVERABLES) {
            if (count != 0) _requireAcknowledged(account, count - 1);
            account.deliverableIds[count] = id;
            account.deliverablesCount = count + 1;
        } else {
            // Full: the oldest entry (at head) is evicted, which requires it to be settled.
            uint256 head = account.deliverablesHead;
            _requireAcknowledged(account, (head + MAX_DELIVERABLES - 1) % MAX_DELIVERABLES);
            string memory evictedId = account.deliverableIds[head];
            if (!account.deliverables[evictedId].settled) {
                revert FineTuningAccount.CannotEvictUnsettledDeliverable(evictedId);
            }
            delete account.deliverables[evictedId];
            account.deliverableIds[head] = id;
            account.deliverablesHead = (head + 1) % MAX_DELIVERABLES;
            emit DeliverableEvicted(msg.sender, user, evictedId, id, block.timestamp);
        }
        // The entry is known to be all zero, so the false/empty fields need no write.
        d.id = id;
        d.modelRootHash = modelRootHash;
        d.timestamp = uint248(block.timestamp);
        emit DeliverableAdded(user, msg.sender, id, modelRootHash, block.timestamp);
    }

    function _requireAcknowledged(Account storage account, uint256 index) private view {
        string storage latestId = account.deliverableIds[index];
        if (!account.deliverables[latestId].acknowledged) {
            revert FineTuningAccount.PreviousDeliverableNotAcknowledged(latestId);
        }
    }

    function abandonDeliverable(address user, string calldata id) external {
        Deliverable storage d = _account(user, msg.sender).deliverable(id);
        if (d.settled) revert CannotAbandonSettledDeliverable(id);
        d.acknowledged = true;
        d.settled = true;
        emit DeliverableAbandoned(user, msg.sender, id, block.timestamp);
    }

    function settleFees(VerifierInput calldata verifierInput) external nonReentrant {
        FineTuningServingStorage storage $ = _s();
        address user = verifierInput.user;
        Account storage account = $.accountMap.get(user, msg.sender);
        Service storage service = $.serviceMap.get(msg.sender);
        address teeSigner = service.teeSignerAddress;
        if (!account.acknowledged || !service.teeSignerAcknowledged || teeSigner == address(0)) {
            revert InvalidVerifierInput("TEE signer not acknowledged");
        }
        uint256 nonce = verifierInput.nonce;
        if (account.nonce >= nonce) revert InvalidVerifierInput("nonce should larger than the current nonce");
        uint256 taskFee = verifierInput.taskFee;
        if (account.balance < taskFee) revert InvalidVerifierInput("insufficient balance");

        string calldata id = verifierInput.id;
        Deliverable storage d = account.deliverables[id];
        if (d.timestamp == 0) revert FineTuningAccount.DeliverableNotExists(id);
        if (d.settled) revert DeliverableAlreadySettled(id);
        bytes32 rootHash = keccak256(verifierInput.modelRootHash);
        if (keccak256(d.modelRootHash) != rootHash) revert InvalidVerifierInput("model root hash mismatch");
        if (!FineTuningVerifier.verify(verifierInput, rootHash, teeSigner)) {
            revert InvalidVerifierInput("TEE settlement validation failed");
        }

        bool acknowledged = d.acknowledged;
        uint256 fee;
        if (acknowledged) {
            if (verifierInput.encryptedSecret.length == 0) revert SecretShouldNotBeEmpty();
            d.encryptedSecret = verifierInput.encryptedSecret;
            fee = taskFee;
        } else {
            if (verifierInput.encryptedSecret.length != 0) revert SecretShouldBeEmpty();
            fee = (taskFee * $.penaltyPercentage) / 100;
        }
        account.nonce = nonce;
        d.settled = true;
        emit FeesSettled(user, msg.sender, id, fee, acknowledged, nonce);

        // Debit the free pool first, then requested refunds newest first; fee <= balance here.
        uint256 balance = account.balance;
        uint256 pending = account.pendingRefund;
        uint256 free = balance - pending;
        if (fee > free) {
            pending -= account.takeRefundsLifo(fee - free);
            account.pendingRefund = pending;
        }
        balance -= fee;
        account.balance = balance;
        $.ledger.spendFund(user, fee);
        emit BalanceUpdated(user, msg.sender, balance, pending);
        (bool ok, ) = payable(msg.sender).call{value: fee}("");
        if (!ok) revert ETHTransferFailed();
    }

    // ---------------------------------------------------------------- views

    function accountExists(address user, address provider) external view returns (bool) {
        return _s().accountMap.exists(user, provider);
    }

    function getPendingRefund(address user, address provider) external view returns (uint256) {
        return _account(user, provider).pendingRefund;
    }

    function getAccount(address user, address provider) external view returns (AccountDetails memory) {
        return _account(user, provider).details();
    }

    function getAllAccounts(
        uint256 offset,
        uint256 limit
    ) external view returns (AccountSummary[] memory accounts, uint256 total) {
        return _page(_s().accountMap._keys, offset, limit);
    }

    function getAccountsByProvider(
        address provider,
        uint256 offset,
        uint256 limit
    ) external view returns (AccountSummary[] memory accounts, uint256 total) {
        return _page(_s().accountMap._providerIndex[provider], offset, limit);
    }

    function getAccountsByUser(
        address user,
        uint256 offset,
        uint256 limit
    ) external view returns (AccountSummary[] memory accounts, uint256 total) {
        return _page(_s().accountMap._userIndex[user], offset, limit);
    }

    function _page(
        EnumerableSet.Bytes32Set storage keys,
        uint256 offset,
        uint256 limit
    ) private view returns (AccountSummary[] memory, uint256) {
        if (limit > MAX_PAGE_SIZE) revert LimitTooLarge(limit);
        return _s().accountMap.page(keys, offset, limit == 0 ? MAX_PAGE_SIZE : limit);
    }

    /// @dev Provider = msg.sender; a missing account comes back as a zeroed entry.
    function getBatchAccountsByUsers(
        address[] calldata users
    ) external view returns (AccountSummary[] memory accounts) {
        uint256 n = users.length;
        if (n > MAX_BATCH_SIZE) revert FineTuningAccount.BatchSizeTooLarge(n, MAX_BATCH_SIZE);
        AccountMap storage map = _s().accountMap;
        accounts = new AccountSummary[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 k = FineTuningAccount.key(users[i], msg.sender);
            if (map._keys.contains(k)) accounts[i] = map._values[k].summary();
        }
    }

    function getService(address provider) external view returns (Service memory service) {
        return _s().serviceMap.get(provider);
    }

    function getAllServices() external view returns (Service[] memory services) {
        return _s().serviceMap.all();
    }

    function getDeliverable(
        address user,
        address provider,
        string calldata id
    ) external view returns (Deliverable memory) {
        return _account(user, provider).deliverable(id);
    }

    function getDeliverables(address user, address provider) external view returns (Deliverable[] memory) {
        return _account(user, provider).deliverableList();
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IServing).interfaceId || super.supportsInterface(interfaceId);
    }

    receive() external payable {
        revert DirectDepositsDisabled();
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/access/Ownable.sol";
import "@openzeppelin/contracts/security/ReentrancyGuard.sol";
import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";

import "common/Initializable.sol";
import "common/IServing.sol";
import "common/ILedger.sol";

/// @dev A user's main account ("ledger").
struct Ledger {
    address user;
    /// free funds: withdrawable, or transferable to sub-accounts
    uint256 availableBalance;
    /// available plus everything currently sitting in the user's sub-accounts
    uint256 totalBalance;
    /// opaque text, copied into every newly created sub-account
    string additionalInfo;
}

/// @dev One entry of the service registry.
struct ServiceInfo {
    address serviceAddress;
    IServing serviceContract;
    string serviceType;
    string version;
    string fullName;
    string description;
    bool isRecommended;
    uint256 registeredAt;
}

/// @title LedgerManager
/// @notice Holds one main account per user, the registry of service contracts and, per user and
/// service, the set of providers the user has sub-accounts with. Deployed behind a beacon proxy;
/// all state except Ownable/Initializable/ReentrancyGuard lives in one namespaced struct.
contract LedgerManager is Ownable, Initializable, ReentrancyGuard, ILedger {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    // ------------------------------------------------------------------ constants

    uint256 public constant MAX_PROVIDERS_PER_BATCH = 20;
    uint256 public constant MAX_SERVICES = 500;
    uint256 public constant MAX_PROVIDERS_PER_USER_PER_SERVICE = 50;
    uint256 public constant MAX_ADDITIONAL_INFO_LENGTH = 4096;
    uint256 public constant MIN_ACCOUNT_BALANCE = 3 ether;
    uint256 public constant MIN_TRANSFER_AMOUNT = 1 ether;

    /// @dev ERC-165 id of IServing (XOR of its 7 selectors) = 0x160841b1.
    bytes4 private constant ISERVING_INTERFACE_ID = type(IServing).interfaceId;

    // ------------------------------------------------------------------ storage

    struct LedgerMap {
        EnumerableSet.Bytes32Set _keys;
        mapping(bytes32 => Ledger) _values;
        mapping(bytes32 => bool) _operationLocks;
    }

    /// @custom:storage-location erc7201:0g.serving.ledger
    struct LedgerManagerStorage {
        mapping(address => ServiceInfo) registeredServices;
        mapping(string => address) serviceNameToAddress;
        EnumerableSet.AddressSet serviceAddresses;
        mapping(bytes32 => address) recommendedByType;
        LedgerMap ledgerMap;
        // deprecated: layout placeholder only (older mapping keyed by service type)
        mapping(address => mapping(string => EnumerableSet.AddressSet)) userServiceProviders;
        mapping(address => mapping(address => EnumerableSet.AddressSet)) userServiceProvidersByAddress;
    }

    // keccak256(abi.encode(uint256(keccak256("0g.serving.ledger")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant LEDGER_MANAGER_STORAGE_LOCATION =
        0x0bb5d42557ea6926c17416c5b1c1c29c28d9006d6f713295a2d385f07156ed00;

    function _getStorage() private pure returns (LedgerManagerStorage storage $) {
        assembly {
            $.slot := LEDGER_MANAGER_STORAGE_LOCATION
        }
    }

    // ------------------------------------------------------------------ events

    event ServiceRegistered(address indexed serviceAddress, string serviceName);
    event RecommendedServiceUpdated(string serviceType, string version, address serviceAddress);
    event LedgerInfoUpdated(address indexed user, string additionalInfo);
    event FundSpent(address indexed user, address indexed service, uint256 amount);

    // ------------------------------------------------------------------ errors

    error LedgerNotExists(address user);
    error LedgerExists(address user);
    error InsufficientBalance(address user);
    error TooManyProviders(uint256 requested, uint256 maximum);
    error TooManyProvidersForService(uint256 current, uint256 maximum);
    error InvalidServiceType(string serviceType); // declared, never thrown
    error ServiceNotRegistered(address serviceAddress); // declared, never thrown
    error ServiceNameExists(string serviceName);
    error InvalidServiceAddress(address serviceAddress);
    error LedgerLocked();
    error CallerNotRegisteredService(address caller);
    error ServiceNotFound(address serviceAddress);
    error MinimumDepositRequired(uint256 provided, uint256 required);
    error AdditionalInfoTooLong(uint256 length, uint256 max);
    error ZeroAmountNotAllowed();
    error ZeroAddressNotAllowed();
    error InsufficientAvailableBalance(uint256 available, uint256 required);
    error TransferFailed();
    error CallFailed();
    error MustWithdrawAllFundsFirst(uint256 remainingBalance);
    error ServiceTypeRequired();
    error VersionRequired();
    error ServiceAlreadyRegistered(address serviceAddress);
    error ServiceMustImplementIServing(address serviceAddress);
    error ServiceRegistryLimitReached(uint256 limit);
    error NoRecommendedService(string serviceType);
    error DirectDepositsDisabled();

    // ------------------------------------------------------------------ modifiers / lock

    modifier onlyServing() {
        if (_getStorage().registeredServices[msg.sender].serviceAddress == address(0)) {
            revert CallerNotRegisteredService(msg.sender);
        }
        _;
    }

    /// @dev Per-user mutex (the `withLedgerLock` modifier of the spec), written as a lock/unlock pair so
    /// the body can reuse the ledger key. Every successful path of a locked function calls `_unlock`.
    function _lock(LedgerManagerStorage storage $, address user) private returns (bytes32 key) {
        key = keccak256(abi.encode(user));
        if ($.ledgerMap._operationLocks[key]) revert LedgerLocked();
        $.ledgerMap._operationLocks[key] = true;
    }

    function _unlock(LedgerManagerStorage storage $, bytes32 key) private {
        $.ledgerMap._operationLocks[key] = false;
    }

    // A ledger exists iff its `user` is non-zero. Creation always sets `user` and deletion zeroes the
    // whole struct, so a non-zero balance also proves existence; the helpers below use that to skip a
    // storage read on the common path.

    // ------------------------------------------------------------------ setup

    constructor() {
        _disableInitializers();
    }

    function initialize(address owner) external onlyInitializeOnce {
        _transferOwnership(owner);
    }

    /// @dev Accepts ETH only from registered services (matured refunds sent during `processRefund`).
    /// Nobody is credited here; `retrieveFund` credits from the returned amount.
    receive() external payable {
        if (_getStorage().registeredServices[msg.sender].serviceAddress == address(0)) {
            revert DirectDepositsDisabled();
        }
    }

    // ------------------------------------------------------------------ main account

    function addLedger(string calldata additionalInfo) external payable returns (uint256, uint256) {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        if (msg.value < MIN_ACCOUNT_BALANCE) revert MinimumDepositRequired(msg.value, MIN_ACCOUNT_BALANCE);
        if (bytes(additionalInfo).length > MAX_ADDITIONAL_INFO_LENGTH) {
            revert AdditionalInfoTooLong(bytes(additionalInfo).length, MAX_ADDITIONAL_INFO_LENGTH);
        }
        Ledger storage ledger = $.ledgerMap._values[key];
        if (ledger.user != address(0)) revert LedgerExists(msg.sender);
        _createLedger($, key, ledger, msg.sender, msg.value);
        if (bytes(additionalInfo).length != 0) ledger.additionalInfo = additionalInfo;
        _unlock($, key);
        return (msg.value, 0);
    }

    function updateAdditionalInfo(string calldata additionalInfo) external {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        if (bytes(additionalInfo).length > MAX_ADDITIONAL_INFO_LENGTH) {
            revert AdditionalInfoTooLong(bytes(additionalInfo).length, MAX_ADDITIONAL_INFO_LENGTH);
        }
        Ledger storage ledger = $.ledgerMap._values[key];
        if (ledger.user == address(0)) revert LedgerNotExists(msg.sender);
        ledger.additionalInfo = additionalInfo;
        emit LedgerInfoUpdated(msg.sender, additionalInfo);
        _unlock($, key);
    }

    function depositFund() external payable {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        if (msg.value == 0) revert ZeroAmountNotAllowed();
        _depositTo($, key, msg.sender);
        _unlock($, key);
    }

    function depositFundFor(address recipient) external payable {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, recipient);
        if (recipient == address(0)) revert ZeroAddressNotAllowed();
        if (msg.value == 0) revert ZeroAmountNotAllowed();
        _depositTo($, key, recipient);
        _unlock($, key);
    }

    /// @notice Withdraws `amount` of the available balance to the caller's wallet.
    function refund(uint256 amount) external {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        Ledger storage ledger = $.ledgerMap._values[key];
        uint256 total = ledger.totalBalance;
        if (total == 0 && ledger.user == address(0)) revert LedgerNotExists(msg.sender);
        uint256 available = ledger.availableBalance;
        if (available < amount) revert InsufficientBalance(msg.sender);
        uint256 remaining;
        unchecked {
            remaining = available - amount;
        }
        if (remaining != 0 && remaining < MIN_ACCOUNT_BALANCE) {
            revert MinimumDepositRequired(remaining, MIN_ACCOUNT_BALANCE);
        }
        total -= amount;
        if (total == 0) {
            // Auto-delete the ledger (and every sub-account) before sending the ETH.
            $.ledgerMap._keys.remove(key);
            delete $.ledgerMap._values[key];
            _deleteAllServiceAccounts($, msg.sender);
        } else {
            ledger.availableBalance = remaining;
            ledger.totalBalance = total;
        }
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
        _unlock($, key);
    }

    /// @notice Moves `amount` from the main account into the (user, provider) sub-account of a service.
    function transferFund(address provider, string calldata serviceName, uint256 amount) external {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        Ledger storage ledger = $.ledgerMap._values[key];
        uint256 available = ledger.availableBalance;
        if (available == 0 && ledger.user == address(0)) revert LedgerNotExists(msg.sender);
        address service = $.serviceNameToAddress[serviceName];
        if (service == address(0)) revert ServiceNotFound(address(0));

        uint256 transferAmount;
        bytes memory payload;
        if (IServing(service).accountExists(msg.sender, provider)) {
            uint256 pending = IServing(service).getPendingRefund(msg.sender, provider);
            uint256 cancelRetrievingAmount = amount < pending ? amount : pending;
            unchecked {
                transferAmount = amount - cancelRetrievingAmount;
            }
            payload = abi.encodeWithSignature(
                "depositFund(address,address,uint256)",
                msg.sender,
                provider,
                cancelRetrievingAmount
            );
        } else {
            if (amount < MIN_TRANSFER_AMOUNT) revert MinimumDepositRequired(amount, MIN_TRANSFER_AMOUNT);
            payload = abi.encodeWithSignature(
                "addAccount(address,address,string)",
                msg.sender,
                provider,
                ledger.additionalInfo
            );
            _addProvider($.userServiceProvidersByAddress[msg.sender][service], provider);
            transferAmount = amount;
        }

        if (available < transferAmount) revert InsufficientAvailableBalance(available, transferAmount);
        if (transferAmount != 0) {
            unchecked {
                ledger.availableBalance = available - transferAmount;
            }
        }
        (bool ok, ) = service.call{value: transferAmount}(payload);
        if (!ok) revert CallFailed();
        _unlock($, key);
    }

    /// @notice Collects matured refunds from the given sub-accounts and requests a refund of the rest.
    function retrieveFund(address[] calldata providers, string calldata serviceName) external {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        uint256 n = providers.length;
        if (n > MAX_PROVIDERS_PER_BATCH) revert TooManyProviders(n, MAX_PROVIDERS_PER_BATCH);
        address service = $.serviceNameToAddress[serviceName];
        if (service == address(0)) revert ServiceNotFound(address(0));
        Ledger storage ledger = $.ledgerMap._values[key];
        if (ledger.availableBalance == 0 && ledger.user == address(0)) revert LedgerNotExists(msg.sender);

        uint256 totalAmount;
        for (uint256 i; i < n; ) {
            address provider = providers[i];
            if (IServing(service).accountExists(msg.sender, provider)) {
                (uint256 amount, , ) = IServing(service).processRefund(msg.sender, provider);
                totalAmount += amount;
                IServing(service).requestRefundAll(msg.sender, provider);
            }
            unchecked {
                ++i;
            }
        }
        if (totalAmount != 0) ledger.availableBalance += totalAmount;
        _unlock($, key);
    }

    /// @notice Deletes an empty ledger (total balance 0) together with all its sub-accounts.
    function deleteLedger() external nonReentrant {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, msg.sender);
        Ledger storage ledger = $.ledgerMap._values[key];
        uint256 total = ledger.totalBalance;
        // total != 0 implies the ledger exists, so the two checks keep the spec's order.
        if (total != 0) revert MustWithdrawAllFundsFirst(total);
        if (ledger.user == address(0)) revert LedgerNotExists(msg.sender);
        _deleteAllServiceAccounts($, msg.sender);
        $.ledgerMap._keys.remove(key);
        delete $.ledgerMap._values[key];
        _unlock($, key);
    }

    /// @inheritdoc ILedger
    function spendFund(address user, uint256 amount) external onlyServing {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 key = _lock($, user);
        Ledger storage ledger = $.ledgerMap._values[key];
        uint256 total = ledger.totalBalance;
        if (total == 0 && ledger.user == address(0)) revert LedgerNotExists(user);
        uint256 locked = total - ledger.availableBalance;
        if (locked < amount) revert InsufficientAvailableBalance(locked, amount);
        unchecked {
            ledger.totalBalance = total - amount;
        }
        emit FundSpent(user, msg.sender, amount);
        _unlock($, key);
    }

    // ------------------------------------------------------------------ service registry (owner)

    function registerService(
        string calldata serviceType,
        string calldata version,
        address serviceAddress,
        string calldata description
    ) external onlyOwner {
        if (serviceAddress == address(0)) revert InvalidServiceAddress(serviceAddress);
        if (bytes(serviceType).length == 0) revert ServiceTypeRequired();
        if (bytes(version).length == 0) revert VersionRequired();
        LedgerManagerStorage storage $ = _getStorage();
        ServiceInfo storage info = $.registeredServices[serviceAddress];
        if (info.serviceAddress != address(0)) revert ServiceAlreadyRegistered(serviceAddress);
        string memory fullName = string(abi.encodePacked(serviceType, "-", version));
        if ($.serviceNameToAddress[fullName] != address(0)) revert ServiceNameExists(fullName);
        if (!ERC165Checker.supportsInterface(serviceAddress, ISERVING_INTERFACE_ID)) {
            revert ServiceMustImplementIServing(serviceAddress);
        }
        if ($.serviceAddresses.length() >= MAX_SERVICES) revert ServiceRegistryLimitReached(MAX_SERVICES);

        info.serviceAddress = serviceAddress;
        info.serviceContract = IServing(serviceAddress);
        info.serviceType = serviceType;
        info.version = version;
        info.fullName = fullName;
        info.description = description;
        // isRecommended stays false (never registered before, nothing is ever unregistered)
        info.registeredAt = block.timestamp;
        $.serviceNameToAddress[fullName] = serviceAddress;
        $.serviceAddresses.add(serviceAddress);
        emit ServiceRegistered(serviceAddress, fullName);
    }

    function setRecommendedService(string calldata serviceType, string calldata version) external onlyOwner {
        LedgerManagerStorage storage $ = _getStorage();
        address serviceAddress = $.serviceNameToAddress[string(abi.encodePacked(serviceType, "-", version))];
        if (serviceAddress == address(0)) revert ServiceNotFound(address(0));
        bytes32 typeKey = keccak256(abi.encodePacked(serviceType));
        address previous = $.recommendedByType[typeKey];
        if (previous != address(0) && previous != serviceAddress) {
            $.registeredServices[previous].isRecommended = false;
        }
        $.recommendedByType[typeKey] = serviceAddress;
        $.registeredServices[serviceAddress].isRecommended = true;
        emit RecommendedServiceUpdated(serviceType, version, serviceAddress);
    }

    // ------------------------------------------------------------------ views

    function getLedger(address user) external view returns (Ledger memory) {
        Ledger storage ledger = _getStorage().ledgerMap._values[keccak256(abi.encode(user))];
        if (ledger.user == address(0)) revert LedgerNotExists(user);
        return ledger;
    }

    function getAllLedgers(
        uint256 offset,
        uint256 limit
    ) external view returns (Ledger[] memory ledgers, uint256 total) {
        LedgerMap storage map = _getStorage().ledgerMap;
        total = map._keys.length();
        if (offset >= total) return (new Ledger[](0), total);
        if (limit == 0) limit = 50;
        uint256 count = total - offset;
        if (limit < count) count = limit;
        ledgers = new Ledger[](count);
        for (uint256 i; i < count; ) {
            ledgers[i] = map._values[map._keys.at(offset + i)];
            unchecked {
                ++i;
            }
        }
    }

    function getLedgerProviders(address user, string calldata serviceName) external view returns (address[] memory) {
        LedgerManagerStorage storage $ = _getStorage();
        address service = $.serviceNameToAddress[serviceName];
        if (service == address(0)) revert ServiceNotFound(address(0));
        return $.userServiceProvidersByAddress[user][service].values();
    }

    function getServiceInfo(address serviceAddress) external view returns (ServiceInfo memory) {
        return _getStorage().registeredServices[serviceAddress];
    }

    function getServiceAddressByName(string calldata serviceName) external view returns (address) {
        return _getStorage().serviceNameToAddress[serviceName];
    }

    function getAllActiveServices() external view returns (ServiceInfo[] memory) {
        LedgerManagerStorage storage $ = _getStorage();
        uint256 n = $.serviceAddresses.length();
        ServiceInfo[] memory services = new ServiceInfo[](n);
        for (uint256 i; i < n; ) {
            services[i] = $.registeredServices[$.serviceAddresses.at(i)];
            unchecked {
                ++i;
            }
        }
        return services;
    }

    function getRecommendedService(
        string calldata serviceType
    ) external view returns (string memory version, address serviceAddress) {
        LedgerManagerStorage storage $ = _getStorage();
        serviceAddress = $.recommendedByType[keccak256(abi.encodePacked(serviceType))];
        if (serviceAddress == address(0)) revert NoRecommendedService(serviceType);
        version = $.registeredServices[serviceAddress].version;
    }

    function getAllVersions(
        string calldata serviceType
    ) external view returns (string[] memory versions, address[] memory addresses, bool[] memory isRecommendedFlags) {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 typeHash = keccak256(bytes(serviceType));
        uint256 n = $.serviceAddresses.length();
        address[] memory matches = new address[](n);
        uint256 count;
        for (uint256 i; i < n; ) {
            address service = $.serviceAddresses.at(i);
            if (keccak256(bytes($.registeredServices[service].serviceType)) == typeHash) {
                matches[count] = service;
                unchecked {
                    ++count;
                }
            }
            unchecked {
                ++i;
            }
        }
        versions = new string[](count);
        addresses = new address[](count);
        isRecommendedFlags = new bool[](count);
        for (uint256 i; i < count; ) {
            ServiceInfo storage info = $.registeredServices[matches[i]];
            versions[i] = info.version;
            addresses[i] = matches[i];
            isRecommendedFlags[i] = info.isRecommended;
            unchecked {
                ++i;
            }
        }
    }

    function isRecommendedVersion(string calldata serviceType, string calldata version) external view returns (bool) {
        LedgerManagerStorage storage $ = _getStorage();
        address serviceAddress = $.serviceNameToAddress[string(abi.encodePacked(serviceType, "-", version))];
        if (serviceAddress == address(0)) return false;
        return $.recommendedByType[keccak256(abi.encodePacked(serviceType))] == serviceAddress;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Create-or-add used by depositFund / depositFundFor (msg.value is known to be non-zero).
    function _depositTo(LedgerManagerStorage storage $, bytes32 key, address user) private {
        Ledger storage ledger = $.ledgerMap._values[key];
        uint256 total = ledger.totalBalance;
        if (total != 0 || ledger.user != address(0)) {
            ledger.availableBalance += msg.value;
            ledger.totalBalance = total + msg.value;
        } else {
            if (msg.value < MIN_ACCOUNT_BALANCE) revert MinimumDepositRequired(msg.value, MIN_ACCOUNT_BALANCE);
            // auto-created with additionalInfo = "" (a non-existent ledger's string slot is already empty)
            _createLedger($, key, ledger, user, msg.value);
        }
    }

    function _createLedger(
        LedgerManagerStorage storage $,
        bytes32 key,
        Ledger storage ledger,
        address user,
        uint256 amount
    ) private {
        $.ledgerMap._keys.add(key);
        ledger.user = user;
        ledger.availableBalance = amount;
        ledger.totalBalance = amount;
    }

    /// @dev Adds `provider` to a user's provider set for one service, enforcing the per-service cap.
    /// Equivalent to `if (!set.contains(p)) { if (set.length() >= MAX) revert ...; set.add(p); }`,
    /// written against the set's fields to avoid reading the index slot twice.
    function _addProvider(EnumerableSet.AddressSet storage providers, address provider) private {
        EnumerableSet.Set storage set = providers._inner;
        bytes32 value = bytes32(uint256(uint160(provider)));
        if (set._indexes[value] == 0) {
            uint256 current = set._values.length;
            if (current >= MAX_PROVIDERS_PER_USER_PER_SERVICE) {
                revert TooManyProvidersForService(current, MAX_PROVIDERS_PER_USER_PER_SERVICE);
            }
            set._values.push(value);
            set._indexes[value] = current + 1;
        }
    }

    /// @dev For every registered service (registry order) and every provider the user has a sub-account
    /// with, calls `deleteAccount` (failures ignored) and empties the provider set. The set can only be
    /// changed under the user's ledger lock, which the callers hold, so it is stable during the calls.
    function _deleteAllServiceAccounts(LedgerManagerStorage storage $, address user) private {
        mapping(address => EnumerableSet.AddressSet) storage byService = $.userServiceProvidersByAddress[user];
        bytes32[] storage services = $.serviceAddresses._inner._values;
        uint256 serviceCount = services.length;
        for (uint256 i; i < serviceCount; ) {
            address service = address(uint160(uint256(services[i])));
            EnumerableSet.Set storage set = byService[service]._inner;
            uint256 n = set._values.length;
            if (n != 0) {
                for (uint256 j; j < n; ) {
                    bytes32 value = set._values[j];
                    try IServing(service).deleteAccount(user, address(uint160(uint256(value)))) {} catch {}
                    delete set._indexes[value];
                    unchecked {
                        ++j;
                    }
                }
                delete set._values;
            }
            unchecked {
                ++i;
            }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// @dev A requested refund. Only refunds[0, validRefundsLength) are active; later slots are stale.
struct Refund {
    uint256 index;
    uint256 amount;
    uint256 createdAt;
    bool _deprecated_processed;
}

/// @dev A fine-tuning result the provider delivered. `acknowledged` and `timestamp` share one slot.
struct Deliverable {
    string id;
    bytes modelRootHash;
    bytes encryptedSecret;
    bool acknowledged;
    uint248 timestamp;
    bool settled;
}

/// @dev Sub-account of (user, provider). `deliverableIds` is a circular buffer of the live deliverables:
/// entries [0, deliverablesCount) while it is filling (head stays 0), then all 20 with the oldest at head.
struct Account {
    address user;
    address provider;
    uint256 nonce;
    uint256 balance;
    uint256 pendingRefund;
    Refund[] refunds;
    string additionalInfo;
    mapping(string => Deliverable) deliverables;
    string[20] deliverableIds;
    uint256 validRefundsLength;
    uint256 deliverablesHead;
    uint256 deliverablesCount;
    bool acknowledged;
}

/// @dev Row of the list views.
struct AccountSummary {
    address user;
    address provider;
    uint256 nonce;
    uint256 balance;
    uint256 pendingRefund;
    string additionalInfo;
    uint256 validRefundsLength;
    uint256 deliverablesCount;
    bool acknowledged;
}

/// @dev Result of getAccount; deliverables are chronological (oldest first).
struct AccountDetails {
    address user;
    address provider;
    uint256 nonce;
    uint256 balance;
    uint256 pendingRefund;
    Refund[] refunds;
    string additionalInfo;
    Deliverable[] deliverables;
    uint256 validRefundsLength;
    uint256 deliverablesHead;
    uint256 deliverablesCount;
    bool acknowledged;
}

/// @dev Accounts keyed by keccak256(abi.encode(user, provider)); existence means "key is in _keys".
/// Values survive removal from the sets (soft delete keeps the nonce).
struct AccountMap {
    EnumerableSet.Bytes32Set _keys;
    mapping(bytes32 => Account) _values;
    mapping(address => EnumerableSet.Bytes32Set) _providerIndex;
    mapping(address => EnumerableSet.Bytes32Set) _userIndex;
}

/// @dev Sub-account bookkeeping of FineTuningServing: the account map, the refund pool and deliverable reads.
library FineTuningAccount {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint256 internal constant MAX_DELIVERABLES_PER_ACCOUNT = 20;
    uint256 internal constant MAX_REFUNDS_PER_ACCOUNT = 5;

    error AccountNotExists(address user, address provider);
    error AccountExists(address user, address provider);
    error TooManyRefunds(address user, address provider);
    error AdditionalInfoTooLong();
    error DeliverableNotExists(string id);
    error DeliverableAlreadyExists(string id);
    error DeliverableIdInvalidLength(uint256 length);
    error PreviousDeliverableNotAcknowledged(string id);
    error CannotRevokeWithNonZeroBalance(address user, address provider, uint256 balance);
    error CannotAcknowledgeSettledDeliverable(string id);
    error BatchSizeTooLarge(uint256 size, uint256 maxSize);
    error CannotEvictUnsettledDeliverable(string id);

    function key(address user, address provider) internal pure returns (bytes32) {
        return keccak256(abi.encode(user, provider));
    }

    function exists(AccountMap storage map, address user, address provider) internal view returns (bool) {
        return map._keys.contains(key(user, provider));
    }

    /// @dev The account of (user, provider), or revert AccountNotExists(user, provider).
    function get(AccountMap storage map, address user, address provider) internal view returns (Account storage) {
        bytes32 k = key(user, provider);
        if (!map._keys.contains(k)) revert AccountNotExists(user, provider);
        return map._values[k];
    }

    /// @dev A live deliverable of `account`, or revert DeliverableNotExists(id). A live entry always has a
    /// non-zero timestamp; deleted and never-written entries are all zero.
    function deliverable(Account storage account, string calldata id) internal view returns (Deliverable storage d) {
        d = account.deliverables[id];
        if (d.timestamp == 0) revert DeliverableNotExists(id);
    }

    /// @dev Lowers active refunds newest first by up to `amount` in total. A refund brought to zero is
    /// dropped (validRefundsLength shrinks). Returns how much was actually taken; the caller adjusts
    /// pendingRefund.
    function takeRefundsLifo(Account storage account, uint256 amount) internal returns (uint256 taken) {
        uint256 n = account.validRefundsLength;
        uint256 left = amount;
        while (left != 0 && n != 0) {
            Refund storage r = account.refunds[n - 1];
            uint256 a = r.amount;
            if (a <= left) {
                left -= a;
                r.amount = 0;
                --n;
            } else {
                r.amount = a - left;
                left = 0;
            }
        }
        account.validRefundsLength = n;
        return amount - left;
    }

    function summary(Account storage a) internal view returns (AccountSummary memory) {
        return
            AccountSummary(
                a.user,
                a.provider,
                a.nonce,
                a.balance,
                a.pendingRefund,
                a.additionalInfo,
                a.validRefundsLength,
                a.deliverablesCount,
                a.acknowledged
            );
    }

    /// @dev The live deliverables, oldest first.
    function deliverableList(Account storage a) internal view returns (Deliverable[] memory list) {
        uint256 count = a.deliverablesCount;
        uint256 head = a.deliverablesHead;
        list = new Deliverable[](count);
        for (uint256 i; i < count; ++i) {
            list[i] = a.deliverables[a.deliverableIds[(head + i) % MAX_DELIVERABLES_PER_ACCOUNT]];
        }
    }

    function details(Account storage a) internal view returns (AccountDetails memory) {
        return
            AccountDetails(
                a.user,
                a.provider,
                a.nonce,
                a.balance,
                a.pendingRefund,
                a.refunds,
                a.additionalInfo,
                deliverableList(a),
                a.validRefundsLength,
                a.deliverablesHead,
                a.deliverablesCount,
                a.acknowledged
            );
    }

    /// @dev One page of summaries over `keys`. `limit` 0 means the maximum (50).
    function page(
        AccountMap storage map,
        EnumerableSet.Bytes32Set storage keys,
        uint256 offset,
        uint256 limit
    ) internal view returns (AccountSummary[] memory accounts, uint256 total) {
        total = keys.length();
        if (offset >= total) return (new AccountSummary[](0), total);
        uint256 n = total - offset;
        if (n > limit) n = limit;
        accounts = new AccountSummary[](n);
        for (uint256 i; i < n; ++i) accounts[i] = summary(map._values[keys.at(offset + i)]);
    }
}

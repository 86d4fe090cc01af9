// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// @dev One pending refund of a sub-account. `index` always equals the element's position in the
/// array; `processed` is always false (kept for the storage layout).
struct Refund {
    uint index;
    uint amount;
    uint createdAt;
    bool processed;
}

/// @dev A (user, provider) sub-account. Only `refunds[0, validRefundsLength)` is meaningful.
struct Account {
    address user;
    address provider;
    uint nonce;
    uint balance;
    uint pendingRefund;
    Refund[] refunds;
    string additionalInfo;
    bool acknowledged;
    uint validRefundsLength;
    uint generation;
    uint256 revokedBitmap;
}

/// @dev Accounts keyed by keccak256(abi.encode(user, provider)); existence means "key in _keys".
struct AccountMap {
    EnumerableSet.Bytes32Set _keys;
    mapping(bytes32 => Account) _values;
    mapping(address => EnumerableSet.Bytes32Set) _providerIndex;
    mapping(address => EnumerableSet.Bytes32Set) _userIndex;
}

/// @dev Sub-account bookkeeping of InferenceServing: the account map and the refund pools (§5.2).
library InferenceAccountLibrary {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint internal constant MAX_REFUNDS_PER_ACCOUNT = 5;

    error AccountNotExists(address user, address provider);
    error AccountExists(address user, address provider);
    error TooManyRefunds(address user, address provider);
    error BatchSizeTooLarge(uint256 size, uint256 max);
    error CannotRevokeWithNonZeroBalance(address user, address provider, uint256 balance);

    // ------------------------------------------------------------------ keys and lookup

    /// @dev keccak256(abi.encode(user, provider)), computed in scratch space.
    function accountKey(address user, address provider) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore(0x00, and(user, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, and(provider, 0xffffffffffffffffffffffffffffffffffffffff))
            key := keccak256(0x00, 0x40)
        }
    }

    function exists(AccountMap storage map, bytes32 key) internal view returns (bool) {
        return map._keys.contains(key);
    }

    function exists(AccountMap storage map, address user, address provider) internal view returns (bool) {
        return map._keys.contains(accountKey(user, provider));
    }

    /// @dev The account of (user, provider); reverts AccountNotExists when it is not in the map.
    function get(AccountMap storage map, address user, address provider) internal view returns (Account storage) {
        bytes32 key = accountKey(user, provider);
        if (!map._keys.contains(key)) revert AccountNotExists(user, provider);
        return map._values[key];
    }

    // ------------------------------------------------------------------ create / delete

    /// @dev Creates (or re-creates after a soft delete) the account. nonce and generation are kept;
    /// pendingRefund, validRefundsLength, revokedBitmap, refunds and additionalInfo are already zero
    /// here (fresh storage or wiped by softDelete), so they are not rewritten.
    function create(
        AccountMap storage map,
        address user,
        address provider,
        string calldata additionalInfo,
        uint balance
    ) internal {
        bytes32 key = accountKey(user, provider);
        if (!map._keys.add(key)) revert AccountExists(user, provider);
        map._providerIndex[provider].add(key);
        map._userIndex[user].add(key);
        Account storage account = map._values[key];
        account.user = user;
        account.provider = provider;
        if (balance != 0) account.balance = balance;
        if (bytes(additionalInfo).length != 0) account.additionalInfo = additionalInfo;
        account.acknowledged = true;
    }

    /// @dev Soft delete: wipes the money/refund/token state and removes the key from every index,
    /// but keeps user, provider, nonce and generation in _values. Returns the zeroed balance.
    function softDelete(AccountMap storage map, address user, address provider) internal returns (uint deletedBalance) {
        bytes32 key = accountKey(user, provider);
        if (!map._keys.remove(key)) return 0;
        Account storage account = map._values[key];
        deletedBalance = account.balance;
        account.balance = 0;
        account.pendingRefund = 0;
        account.validRefundsLength = 0;
        account.revokedBitmap = 0;
        account.acknowledged = false;
        delete account.refunds;
        delete account.additionalInfo;
        map._providerIndex[provider].remove(key);
        map._userIndex[user].remove(key);
    }

    // ------------------------------------------------------------------ refund pool

    /// @dev Walks the active refunds newest-first and takes up to `amount` from them: a refund that
    /// is fully covered gets amount 0 and drops out of the valid range, a partly covered one is
    /// reduced. Returns the new valid length and the part of `amount` that could not be covered.
    function takeFromRefundsLIFO(
        Account storage account,
        uint amount,
        uint validLength
    ) internal returns (uint newValidLength, uint remaining) {
        remaining = amount;
        newValidLength = validLength;
        if (remaining == 0 || newValidLength == 0) return (newValidLength, remaining);
        Refund[] storage refunds = account.refunds;
        unchecked {
            while (remaining != 0 && newValidLength != 0) {
                Refund storage refund = refunds[newValidLength - 1];
                uint refundAmount = refund.amount;
                if (refundAmount <= remaining) {
                    remaining -= refundAmount;
                    refund.amount = 0;
                    --newValidLength;
                } else {
                    refund.amount = refundAmount - remaining;
                    remaining = 0;
                }
            }
        }
    }

    /// @dev depositFund's cancellation: cancels active refunds LIFO up to `cancelAmount` and lowers
    /// pendingRefund by what was actually cancelled. Returns the new pendingRefund.
    function cancelRefunds(Account storage account, uint cancelAmount) internal returns (uint pendingRefund) {
        pendingRefund = account.pendingRefund;
        if (cancelAmount == 0) return pendingRefund;
        uint validLength = account.validRefundsLength;
        if (validLength == 0) return pendingRefund;
        (uint newValidLength, uint remaining) = takeFromRefundsLIFO(account, cancelAmount, validLength);
        if (newValidLength != validLength) account.validRefundsLength = newValidLength;
        uint cancelled = cancelAmount - remaining;
        if (cancelled != 0) {
            pendingRefund -= cancelled;
            account.pendingRefund = pendingRefund;
        }
    }

    /// @dev Settlement debit of `amount` (<= balance, guaranteed by the caller): free pool first,
    /// then refunds LIFO. Returns the new balance and pendingRefund.
    function debit(
        Account storage account,
        uint amount,
        uint balance
    ) internal returns (uint newBalance, uint pendingRefund) {
        pendingRefund = account.pendingRefund;
        unchecked {
            // pendingRefund <= balance and amount <= balance always hold.
            uint free = balance - pendingRefund;
            if (amount > free) {
                uint excess = amount - free;
                uint validLength = account.validRefundsLength;
                (uint newValidLength, ) = takeFromRefundsLIFO(account, excess, validLength);
                if (newValidLength != validLength) account.validRefundsLength = newValidLength;
                pendingRefund -= excess;
                account.pendingRefund = pendingRefund;
            }
            newBalance = balance - amount;
        }
        account.balance = newBalance;
    }

    /// @dev requestRefundAll: moves the whole free pool into a new refund (none if it is empty).
    /// Returns the valid refund count afterwards.
    function requestRefundAll(
        Account storage account,
        address user,
        address provider
    ) internal returns (uint validLength) {
        uint pendingRefund = account.pendingRefund;
        uint amount = account.balance - pendingRefund;
        validLength = account.validRefundsLength;
        if (amount == 0) return validLength;
        if (validLength >= MAX_REFUNDS_PER_ACCOUNT) revert TooManyRefunds(user, provider);
        Refund[] storage refunds = account.refunds;
        Refund storage refund;
        if (validLength < refunds.length) {
            // Reuse the stale slot; its index already equals validLength and processed is false.
            refund = refunds[validLength];
        } else {
            refund = refunds.push();
            if (validLength != 0) refund.index = validLength;
        }
        refund.amount = amount;
        refund.createdAt = block.timestamp;
        unchecked {
            ++validLength;
        }
        account.validRefundsLength = validLength;
        account.pendingRefund = pendingRefund + amount;
    }

    /// @dev processRefund's collection: releases every refund with now >= createdAt + lockTime and
    /// compacts the rest in order (stable). Returns (released total, new balance, new pendingRefund).
    function collectMatured(
        Account storage account,
        uint lockTime
    ) internal returns (uint totalAmount, uint balance, uint pendingRefund) {
        balance = account.balance;
        uint validLength = account.validRefundsLength;
        if (validLength == 0) return (0, balance, account.pendingRefund);
        Refund[] storage refunds = account.refunds;
        uint writeIndex;
        unchecked {
            for (uint i; i < validLength; ++i) {
                Refund storage refund = refunds[i];
                uint amount = refund.amount;
                uint createdAt = refund.createdAt;
                if (block.timestamp >= createdAt + lockTime) {
                    totalAmount += amount;
                } else {
                    if (writeIndex != i) {
                        // Copy the struct down; index becomes writeIndex (already stored there, since
                        // index == position) and processed is false in both slots.
                        Refund storage target = refunds[writeIndex];
                        target.amount = amount;
                        target.createdAt = createdAt;
                    }
                    pendingRefund += amount;
                    ++writeIndex;
                }
            }
        }
        if (writeIndex != validLength) {
            account.validRefundsLength = writeIndex;
            account.pendingRefund = pendingRefund;
            if (totalAmount != 0) {
                balance -= totalAmount;
                account.balance = balance;
            }
        }
    }

    // ------------------------------------------------------------------ views

    /// @dev Copies accounts [offset, offset + limit) of `set` (limit already validated, non-zero).
    function page(
        AccountMap storage map,
        EnumerableSet.Bytes32Set storage set,
        uint offset,
        uint limit
    ) internal view returns (Account[] memory accounts, uint total) {
        total = set.length();
        if (offset >= total) return (new Account[](0), total);
        uint count = total - offset;
        if (count > limit) count = limit;
        accounts = new Account[](count);
        for (uint i; i < count; ) {
            accounts[i] = map._values[set.at(offset + i)];
            unchecked {
                ++i;
            }
        }
    }
}

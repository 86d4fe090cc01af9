// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// @dev Node resources a provider offers. Units are not interpreted on chain.
struct Quota {
    uint256 cpuCount;
    uint256 nodeMemory;
    uint256 gpuCount;
    uint256 nodeStorage;
    string gpuType;
}

/// @dev A provider's fine-tuning service. Also the ABI tuple returned by the service views.
struct Service {
    address provider;
    string url;
    Quota quota;
    uint256 pricePerToken;
    bool occupied;
    string[] models;
    address teeSignerAddress;
    bool teeSignerAcknowledged;
}

/// @dev Services keyed by keccak256(abi.encode(provider)); existence means "key is in _keys".
struct ServiceMap {
    EnumerableSet.Bytes32Set _keys;
    mapping(bytes32 => Service) _values;
}

/// @dev Provider service registry of FineTuningServing.
library FineTuningService {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    error ServiceNotExist(address provider);

    function key(address provider) internal pure returns (bytes32) {
        return keccak256(abi.encode(provider));
    }

    function exists(ServiceMap storage map, address provider) internal view returns (bool) {
        return map._keys.contains(key(provider));
    }

    /// @dev The service of `provider`, or revert ServiceNotExist(provider).
    function get(ServiceMap storage map, address provider) internal view returns (Service storage) {
        bytes32 k = key(provider);
        if (!map._keys.contains(k)) revert ServiceNotExist(provider);
        return map._values[k];
    }

    /// @dev Creates or overwrites the service of `provider`. The owner's acknowledgement of the TEE signer
    /// starts false for a new service and is reset on update only when the TEE signer address changes.
    function upsert(
        ServiceMap storage map,
        address provider,
        string calldata url,
        Quota calldata quota,
        uint256 pricePerToken,
        bool occupied,
        string[] calldata models,
        address teeSignerAddress
    ) internal {
        bytes32 k = key(provider);
        Service storage s = map._values[k];
        if (map._keys.add(k)) {
            s.provider = provider;
            s.teeSignerAddress = teeSignerAddress;
        } else if (s.teeSignerAddress != teeSignerAddress) {
            s.teeSignerAddress = teeSignerAddress;
            s.teeSignerAcknowledged = false;
        }
        s.url = url;
        s.quota = quota;
        s.pricePerToken = pricePerToken;
        s.occupied = occupied;
        s.models = models;
    }

    /// @dev Deletes the service of `provider`, or reverts ServiceNotExist(provider).
    function remove(ServiceMap storage map, address provider) internal {
        bytes32 k = key(provider);
        if (!map._keys.remove(k)) revert ServiceNotExist(provider);
        delete map._values[k];
    }

    function all(ServiceMap storage map) internal view returns (Service[] memory services) {
        uint256 n = map._keys.length();
        services = new Service[](n);
        for (uint256 i; i < n; ++i) services[i] = map._values[map._keys.at(i)];
    }
}

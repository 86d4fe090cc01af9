// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// @dev Input of addOrUpdateService (field order differs from Service).
struct ServiceParams {
    string serviceType;
    string url;
    string model;
    string verifiability;
    uint256 inputPrice;
    uint256 outputPrice;
    string additionalInfo;
    address teeSignerAddress;
}

/// @dev A provider's registered inference service.
struct Service {
    address provider;
    string serviceType;
    string url;
    uint inputPrice;
    uint outputPrice;
    uint updatedAt;
    string model;
    string verifiability;
    string additionalInfo;
    address teeSignerAddress;
    bool teeSignerAcknowledged;
}

/// @dev Services keyed by keccak256(abi.encode(provider)).
struct ServiceMap {
    EnumerableSet.Bytes32Set _keys;
    mapping(bytes32 => Service) _values;
}

/// @dev Provider service registry of InferenceServing.
library InferenceServiceLibrary {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint internal constant MAX_ADDITIONAL_INFO_LENGTH = 4096;

    error ServiceNotExist(address provider);
    error AdditionalInfoTooLong();

    function serviceKey(address provider) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore(0x00, and(provider, 0xffffffffffffffffffffffffffffffffffffffff))
            key := keccak256(0x00, 0x20)
        }
    }

    function exists(ServiceMap storage map, address provider) internal view returns (bool) {
        return map._keys.contains(serviceKey(provider));
    }

    /// @dev The service of `provider`; reverts ServiceNotExist when there is none.
    function get(ServiceMap storage map, address provider) internal view returns (Service storage) {
        bytes32 key = serviceKey(provider);
        if (!map._keys.contains(key)) revert ServiceNotExist(provider);
        return map._values[key];
    }

    /// @dev Registers or updates the service of `provider` (stake handling is the caller's).
    /// A new service starts unacknowledged; an update clears the owner's acknowledgement when a
    /// critical field (serviceType, model, verifiability, teeSignerAddress, additionalInfo) changed.
    function addOrUpdate(ServiceMap storage map, address provider, ServiceParams calldata params) internal {
        if (bytes(params.additionalInfo).length > MAX_ADDITIONAL_INFO_LENGTH) revert AdditionalInfoTooLong();
        bytes32 key = serviceKey(provider);
        Service storage service = map._values[key];
        if (map._keys.add(key)) {
            // Fresh or deleted storage is all zero: only non-zero values need writing.
            service.provider = provider;
            if (bytes(params.serviceType).length != 0) service.serviceType = params.serviceType;
            if (bytes(params.url).length != 0) service.url = params.url;
            if (params.inputPrice != 0) service.inputPrice = params.inputPrice;
            if (params.outputPrice != 0) service.outputPrice = params.outputPrice;
            service.updatedAt = block.timestamp;
            if (bytes(params.model).length != 0) service.model = params.model;
            if (bytes(params.verifiability).length != 0) service.verifiability = params.verifiability;
            if (bytes(params.additionalInfo).length != 0) service.additionalInfo = params.additionalInfo;
            if (params.teeSignerAddress != address(0)) service.teeSignerAddress = params.teeSignerAddress;
        } else {
            // Fields equal to the stored value are not rewritten (same end state, less gas).
            bool criticalChanged;
            if (_differs(service.serviceType, params.serviceType)) {
                service.serviceType = params.serviceType;
                criticalChanged = true;
            }
            if (_differs(service.url, params.url)) service.url = params.url;
            service.inputPrice = params.inputPrice;
            service.outputPrice = params.outputPrice;
            service.updatedAt = block.timestamp;
            if (_differs(service.model, params.model)) {
                service.model = params.model;
                criticalChanged = true;
            }
            if (_differs(service.verifiability, params.verifiability)) {
                service.verifiability = params.verifiability;
                criticalChanged = true;
            }
            if (_differs(service.additionalInfo, params.additionalInfo)) {
                service.additionalInfo = params.additionalInfo;
                criticalChanged = true;
            }
            address oldSigner = service.teeSignerAddress;
            bool acknowledged = service.teeSignerAcknowledged;
            address newSigner = params.teeSignerAddress;
            if (oldSigner != newSigner) criticalChanged = true;
            if (criticalChanged && (acknowledged || oldSigner != newSigner)) {
                service.teeSignerAddress = newSigner;
                service.teeSignerAcknowledged = false;
            }
        }
    }

    /// @dev Deletes the service of `provider`; reverts ServiceNotExist when there is none.
    function remove(ServiceMap storage map, address provider) internal {
        bytes32 key = serviceKey(provider);
        if (!map._keys.remove(key)) revert ServiceNotExist(provider);
        delete map._values[key];
    }

    /// @dev Copies services [offset, offset + limit) (limit already validated, non-zero).
    function page(ServiceMap storage map, uint offset, uint limit) internal view returns (Service[] memory services, uint total) {
        total = map._keys.length();
        if (offset >= total) return (new Service[](0), total);
        uint count = total - offset;
        if (count > limit) count = limit;
        services = new Service[](count);
        for (uint i; i < count; ) {
            services[i] = map._values[map._keys.at(offset + i)];
            unchecked {
                ++i;
            }
        }
    }

    /// @dev Whether the stored string differs from `value` (compared by keccak256).
    function _differs(string storage stored, string calldata value) private pure returns (bool) {
        return keccak256(bytes(stored)) != keccak256(bytes(value));
    }
}

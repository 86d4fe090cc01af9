// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

/// @dev Initializer guard for contracts behind a beacon proxy. Lives in slot 0 right after
/// Ownable's owner (bool `initialized` at offset 20, `_initializationLocked` at offset 21), which is
/// why it is inherited *after* Ownable.
abstract contract Initializable {
    bool public initialized;
    bool private _initializationLocked;

    error AlreadyInitialized();

    event Initialized(uint8 version);

    modifier onlyInitializeOnce() {
        if (initialized || _initializationLocked) revert AlreadyInitialized();
        initialized = true;
        _;
        emit Initialized(1);
    }

    /// @dev Called from the logic contract's constructor so the implementation itself can never be
    /// initialized (and owned) by anyone.
    function _disableInitializers() internal {
        _initializationLocked = true;
        emit Initialized(255);
    }
}

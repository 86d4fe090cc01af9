// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

/// @dev What a service contract needs from LedgerManager.
interface ILedger {
    function spendFund(address user, uint256 amount) external;

    function depositFundFor(address recipient) external payable;
}

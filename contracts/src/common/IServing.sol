// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

/// @dev What LedgerManager needs from a service contract. ERC-165 id: 0x160841b1.
interface IServing {
    function accountExists(address user, address provider) external view returns (bool);

    function getPendingRefund(address user, address provider) external view returns (uint256);

    function addAccount(address user, address provider, string memory additionalInfo) external payable;

    function depositFund(address user, address provider, uint256 cancelRetrievingAmount) external payable;

    function requestRefundAll(address user, address provider) external;

    function processRefund(
        address user,
        address provider
    ) external returns (uint256 totalAmount, uint256 balance, uint256 pendingRefund);

    function deleteAccount(address user, address provider) external;
}

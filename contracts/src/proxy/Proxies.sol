// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

// The beacon-proxy pair every contract system is deployed behind (OpenZeppelin 4.8.3, unmodified).
import "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
import "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";

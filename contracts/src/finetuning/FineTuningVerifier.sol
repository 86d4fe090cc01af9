// SPDX-License-Identifier: MIT
pragma solidity 0.8.22;

import "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @dev What the provider submits to settle one deliverable.
struct VerifierInput {
    string id;
    bytes encryptedSecret;
    bytes modelRootHash;
    uint256 nonce;
    bytes signature;
    uint256 taskFee;
    address user;
}

/// @dev EIP-712 check of a VerifierInput against the provider's TEE signer.
/// Domain: name "0G Fine-Tuning Serving", version "1", the live chain id, this contract (the proxy).
library FineTuningVerifier {
    /// keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 internal constant DOMAIN_TYPEHASH = 0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f;
    /// keccak256("VerifierMessage(string id,bytes encryptedSecret,bytes modelRootHash,uint256 nonce,uint256 taskFee,address user)")
    bytes32 internal constant VERIFIER_MESSAGE_TYPEHASH =
        0x62159bda4585d49f24b8da323cfc70b1fbad40f51efbf45e18fe3bdfb409945e;
    /// keccak256("0G Fine-Tuning Serving")
    bytes32 internal constant NAME_HASH = 0xee2d3041cec28b9a0a957f2f0163e12e53119960d5a7d160e2a52db3594161e7;
    /// keccak256("1")
    bytes32 internal constant VERSION_HASH = 0xc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6;

    /// @dev Computed on every call (not cached), so it always reflects the proxy address and chain.
    function domainSeparator() internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @dev True if `input.signature` is a valid 65-byte, low-s signature by `signer` of the typed message.
    /// `modelRootHashHash` is keccak256(input.modelRootHash), which the caller has already computed.
    function verify(
        VerifierInput calldata input,
        bytes32 modelRootHashHash,
        address signer
    ) internal view returns (bool) {
        bytes32 structHash = keccak256(
            abi.encode(
                VERIFIER_MESSAGE_TYPEHASH,
                keccak256(bytes(input.id)),
                keccak256(input.encryptedSecret),
                modelRootHashHash,
                input.nonce,
                input.taskFee,
                input.user
            )
        );
        (address recovered, ECDSA.RecoverError err) = ECDSA.tryRecover(
            ECDSA.toTypedDataHash(domainSeparator(), structHash),
            input.signature
        );
        return err == ECDSA.RecoverError.NoError && recovered == signer;
    }
}

package zg.compute.protocol.finetuning;

import org.web3j.crypto.Credentials;

/** Fixed throwaway keys (anvil's well-known accounts 0 and 1), never funded anywhere real. */
final class TestKeys {

    static final String USER_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    static final Credentials USER = Credentials.create(USER_PRIVATE_KEY);
    static final Credentials TEE = Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    private TestKeys() {
    }
}

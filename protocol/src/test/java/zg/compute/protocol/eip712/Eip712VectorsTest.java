package zg.compute.protocol.eip712;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zg.compute.protocol.OfficialFacts;

/** The EIP-712 constants and test vectors of contracts.md §9.2 and the official SDK's wire vectors. */
class Eip712VectorsTest {

    // Hardhat/anvil development key #1 (public test key), used by the spec's vectors.
    private static final Credentials KEY1 =
            Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    private static final String MAINNET_INFERENCE = "0x47340d900bdFec2BD393c626E12ea0656F938d84";
    private static final String TESTNET_INFERENCE = "0xa79F4c8311FF93C06b8CfB403690cc987c93F91E";
    private static final String MAINNET_FT = "0x4e3474095518883744ddf135b7E0A23301c7F9c0";
    private static final String TESTNET_FT_V11 = "0xC6C075D8039763C8f1EbE580be5ADdf2fd6941bA";
    private static final String USER = "0x1111111111111111111111111111111111111111";
    private static final String PROVIDER = "0x2222222222222222222222222222222222222222";

    private static String hex(byte[] b) {
        return Numeric.toHexString(b);
    }

    @Test
    void typeHashesAndNameHashes() {
        assertThat(hex(Eip712Domain.TYPEHASH)).isEqualTo("0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");
        assertThat(hex(TeeSettlement.TYPEHASH)).isEqualTo("0x6e525043a6c7323bdf60ce222f35127cdd9d8e867ec6350c83fcc254ed18b756");
        assertThat(hex(VerifierMessage.TYPEHASH)).isEqualTo("0x62159bda4585d49f24b8da323cfc70b1fbad40f51efbf45e18fe3bdfb409945e");
        assertThat(Hash.sha3String(Eip712Domain.INFERENCE_NAME)).isEqualTo("0x2f4ba393a20b900f9f0a8fdd993b162f640c29a02a710d04f515521a29be839b");
        assertThat(Hash.sha3String(Eip712Domain.FINE_TUNING_NAME)).isEqualTo("0xee2d3041cec28b9a0a957f2f0163e12e53119960d5a7d160e2a52db3594161e7");
        assertThat(Hash.sha3String("1")).isEqualTo("0xc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6");
    }

    @Test
    void domainSeparatorsOfTheDeployedProxies() {
        assertThat(hex(Eip712Domain.inference(16661, MAINNET_INFERENCE).separator()))
                .isEqualTo("0x72e92d6704ca166b5be1580af84840c130f74eea4b4ce278ee3e4714553a14d1");
        assertThat(hex(Eip712Domain.inference(16602, TESTNET_INFERENCE).separator()))
                .isEqualTo("0xda596bc261f3030c2a3b8586fd56a01aab43437237aab631ee66fafb3f1e31a9");
        assertThat(hex(Eip712Domain.fineTuning(16661, MAINNET_FT).separator()))
                .isEqualTo("0x1a4b0344a74744879f3ddf2ca9f11f0c1e74f5cafb587f6c49aa9b290bf298a5");
        assertThat(hex(Eip712Domain.fineTuning(16602, TESTNET_FT_V11).separator()))
                .isEqualTo("0xe9d95d44d54cf3ab2897a648638d16755abd89e83e9fa74ccfd5d56b8f8074f6");
    }

    @Test
    void inferenceVector1() {
        TeeSettlement msg = new TeeSettlement(Hash.sha3("test_requests_hash".getBytes(StandardCharsets.UTF_8)),
                new BigInteger("17000000000000000"), PROVIDER, USER, BigInteger.valueOf(50));
        assertThat(hex(msg.requestsHash())).isEqualTo("0x333aac39186d3b62ace6a42d52a0efc9012043512346ae4db05d4b3433163522");
        assertThat(hex(msg.structHash())).isEqualTo("0x9879e01213062c5ca2ef5e06a1c1aa7292edd7b3fe459b23797049b42363cf72");
        byte[] digest = msg.digest(Eip712Domain.inference(16661, MAINNET_INFERENCE));
        assertThat(hex(digest)).isEqualTo("0x50b531bceea805fee8161878ff63bb8b1ef3620b3b13a62a08a3770993b17be3");
        byte[] sig = DigestSigner.sign(digest, KEY1.getEcKeyPair());
        assertThat(hex(sig)).isEqualTo("0x1a4a45623cc7a313dfaf79a83448dd56fa4e469b9a4d248f80e9b20908f2c91b"
                + "1baf6f52fcfcf6fd0d3c84c63ed6d3690ef163f5779e950f271cacd3d02c4dcd1c");
        assertThat(DigestSigner.recover(digest, sig)).isEqualToIgnoringCase(KEY1.getAddress());
    }

    @Test
    void fineTuningVector2() {
        VerifierMessage msg = new VerifierMessage("task-0001", Numeric.hexStringToByteArray("0x1234"),
                Numeric.hexStringToByteArray("0xabcd"), BigInteger.ONE, BigInteger.TEN, USER);
        assertThat(hex(msg.structHash())).isEqualTo("0x16ed2060d812b057c43323185b2a905fe590ecd6db075eec6a28e6051b0d5f23");
        byte[] digest = msg.digest(Eip712Domain.fineTuning(16661, MAINNET_FT));
        assertThat(hex(digest)).isEqualTo("0xf618ea5e58012f9aef916530101e97c97d97a01343303b159980e4d3c988582c");
        assertThat(hex(DigestSigner.sign(digest, KEY1.getEcKeyPair())))
                .isEqualTo("0x2063766f1d4701c684dbc0651b300e3269583d40b99b73f59ab57d5a0b3e4033"
                        + "55a400747e958559926ebeb4b16603f511f2e3f93f645c739ea6ff847cd2090e1b");
    }

    @Test
    void officialSdkTeeSettlementVector() throws IOException {
        JsonNode v = new ObjectMapper().readTree(OfficialFacts.bytes("vectors/wire-vectors.json")).get("teeSettlement");
        JsonNode d = v.get("domain");
        JsonNode m = v.get("message");
        Eip712Domain domain = new Eip712Domain(d.get("name").asText(), d.get("version").asText(),
                d.get("chainId").asLong(), d.get("verifyingContract").asText());
        TeeSettlement msg = new TeeSettlement(Numeric.hexStringToByteArray(m.get("requestsHash").asText()),
                new BigInteger(m.get("nonce").asText()), m.get("provider").asText(), m.get("user").asText(),
                new BigInteger(m.get("totalFee").asText()));
        byte[] digest = msg.digest(domain);
        assertThat(hex(digest)).isEqualTo(v.get("digest").asText());
        byte[] expectedSig = Numeric.hexStringToByteArray(v.get("signature").asText());
        String signer = DigestSigner.recover(digest, expectedSig);
        // The vector is signed by the provider's key (anvil key #1); signing it ourselves must give the same bytes.
        assertThat(signer).isEqualToIgnoringCase(KEY1.getAddress());
        assertThat(hex(DigestSigner.sign(digest, KEY1.getEcKeyPair()))).isEqualTo(v.get("signature").asText());
    }
}

package zg.compute.protocol.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;

class RevertDecoderTest {

    private final RevertDecoder decoder = RevertDecoder.forComputeContracts();

    private static String payload(String signature, org.web3j.abi.datatypes.Type<?>... args) {
        return RevertDecoder.selector(signature) + FunctionEncoder.encodeConstructor(List.of(args));
    }

    @Test
    void decodesCustomErrorWithArguments() {
        DecodedRevert r = decoder.decode(payload("MinimumDepositRequired(uint256,uint256)",
                new Uint256(BigInteger.TEN.pow(18)), new Uint256(BigInteger.valueOf(3).multiply(BigInteger.TEN.pow(18)))));
        assertThat(r.name()).isEqualTo("MinimumDepositRequired");
        assertThat(r.args()).containsExactly(BigInteger.TEN.pow(18), BigInteger.valueOf(3).multiply(BigInteger.TEN.pow(18)));
        assertThat(r).hasToString("MinimumDepositRequired(1000000000000000000, 3000000000000000000)");
    }

    @Test
    void decodesAddressAndStringArguments() {
        DecodedRevert r = decoder.decode(payload("LedgerNotExists(address)",
                new Address("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")));
        assertThat(r.name()).isEqualTo("LedgerNotExists");
        assertThat(r.args()).containsExactly("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");

        DecodedRevert s = decoder.decode(payload("InvalidVerifierInput(string)", new Utf8String("insufficient balance")));
        assertThat(s).hasToString("InvalidVerifierInput(\"insufficient balance\")");
    }

    @Test
    void decodesStringReasonsAndPanics() {
        DecodedRevert r = decoder.decode(payload("Error(string)", new Utf8String("Ownable: caller is not the owner")));
        assertThat(r.reason()).isEqualTo("Ownable: caller is not the owner");
        DecodedRevert p = decoder.decode(payload("Panic(uint256)", new Uint256(0x11)));
        assertThat(p.name()).isEqualTo("Panic");
        assertThat(p.args()).containsExactly(BigInteger.valueOf(0x11));
    }

    @Test
    void unknownOrEmptyPayloadsDoNotThrow() {
        assertThat(decoder.decode("0xdeadbeef").isKnown()).isFalse();
        assertThat(decoder.decode(null).isKnown()).isFalse();
        assertThat(decoder.decode("0x").toString()).contains("no data");
        // known selector, truncated arguments: keep the name
        assertThat(decoder.decode(RevertDecoder.selector("LedgerNotExists(address)")).name()).isEqualTo("LedgerNotExists");
    }

    @Test
    void everyErrorOfTheThreeAbisIsKnown() {
        for (String name : List.of(ContractArtifact.LEDGER_MANAGER, ContractArtifact.INFERENCE_SERVING,
                ContractArtifact.FINE_TUNING_SERVING)) {
            for (var e : ContractArtifact.load(name).abi()) {
                if (!"error".equals(e.path("type").asText())) {
                    continue;
                }
                StringBuilder sig = new StringBuilder(e.get("name").asText()).append('(');
                var inputs = e.path("inputs");
                for (int i = 0; i < inputs.size(); i++) {
                    sig.append(i == 0 ? "" : ",").append(AbiTypes.canonical(inputs.get(i)));
                }
                sig.append(')');
                assertThat(decoder.decode(RevertDecoder.selector(sig.toString()) + "00".repeat(32 * inputs.size())).name())
                        .as(sig.toString()).isEqualTo(e.get("name").asText());
            }
        }
    }
}

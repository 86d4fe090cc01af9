package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.devnet.contracts.InferenceFixture.SUCCESS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.OfficialFacts;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.InferenceServing.ServiceParams;
import zg.compute.protocol.contracts.bindings.InferenceServing.TEESettlementData;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.protocol.units.Units;

/**
 * The Java EIP-712 signer against the on-chain verifier (contracts.md §6.2, §9.2): a Java-signed
 * settlement settles, and the official SDK's wire vector is accepted by our devnet as it is.
 */
@ExtendWith(DevnetExtension.class)
class Eip712OnChainTest {

    @Test
    void javaSignedSettlementSettlesOnChain(Devnet d) throws Exception {
        InferenceFixture f = new InferenceFixture(d).setUp();
        f.ackProvider1();
        Credentials user = f.user1;
        Credentials provider = f.provider1;
        BigInteger fee = Units.parseOg("0.25");
        BigInteger nonce = f.nonce(42);

        byte[] digest = new TeeSettlement(InferenceFixture.REQUESTS_HASH, nonce, provider.getAddress(),
                user.getAddress(), fee).digest(Eip712Domain.inference(d.chain().chainId(), f.proxy));
        byte[] sig = DigestSigner.sign(digest, f.teeKey);
        assertThat(sig).hasSize(65);
        assertThat(DigestSigner.recover(digest, sig)).isEqualToIgnoringCase(f.tee);

        BigInteger providerBefore = f.eth(provider);
        BigInteger totalBefore = f.ledgerOf(user).totalBalance;
        TransactionReceipt r = f.settle(provider, new TEESettlementData(user.getAddress(), provider.getAddress(), fee,
                InferenceFixture.REQUESTS_HASH, nonce, sig));
        assertThat(r.isStatusOK()).isTrue();

        var results = InferenceServing.getTEESettlementResultEvents(r);
        assertThat(results).hasSize(1);
        assertThat(results.get(0).user).isEqualToIgnoringCase(user.getAddress());
        assertThat(results.get(0).status.intValueExact()).isEqualTo(SUCCESS);
        assertThat(results.get(0).unsettledAmount).isZero();

        var spent = LedgerManager.getFundSpentEvents(r);
        assertThat(spent).hasSize(1);
        assertThat(spent.get(0).user).isEqualToIgnoringCase(user.getAddress());
        assertThat(spent.get(0).service).isEqualToIgnoringCase(f.proxy);
        assertThat(spent.get(0).amount).isEqualTo(fee);
        assertThat(spent.get(0).log.getAddress()).isEqualToIgnoringCase(d.contracts().ledger().proxy());

        var bu = InferenceServing.getBalanceUpdatedEvents(r);
        assertThat(bu).hasSize(1);
        assertThat(bu.get(0).user).isEqualToIgnoringCase(user.getAddress());
        assertThat(bu.get(0).provider).isEqualToIgnoringCase(provider.getAddress());
        assertThat(bu.get(0).amount).isEqualTo(Units.og(2).subtract(fee));
        assertThat(bu.get(0).pendingRefund).isZero();

        var account = f.account(user, provider);
        assertThat(account.balance).isEqualTo(Units.og(2).subtract(fee));
        assertThat(account.nonce).isEqualTo(nonce);
        assertThat(f.ledgerOf(user).totalBalance).isEqualTo(totalBefore.subtract(fee));
        assertThat(f.eth(provider)).isEqualTo(providerBefore.add(fee).subtract(InferenceFixture.gasCost(r)));
    }

    @Test
    void officialSdkWireVectorIsAcceptedAsIs(Devnet d) throws Exception {
        JsonNode v = new ObjectMapper().readTree(OfficialFacts.bytes("vectors/wire-vectors.json")).get("teeSettlement");
        JsonNode domain = v.get("domain");
        JsonNode msg = v.get("message");

        // the vector was produced for exactly this devnet
        assertThat(domain.get("name").asText()).isEqualTo(Eip712Domain.INFERENCE_NAME);
        assertThat(domain.get("version").asText()).isEqualTo("1");
        assertThat(domain.get("chainId").asLong()).isEqualTo(d.chain().chainId());
        assertThat(domain.get("verifyingContract").asText()).isEqualToIgnoringCase(d.contracts().inference().proxy());
        Credentials provider = d.account(1);
        Credentials user = d.account(8);
        assertThat(msg.get("provider").asText()).isEqualToIgnoringCase(provider.getAddress());
        assertThat(msg.get("user").asText()).isEqualToIgnoringCase(user.getAddress());

        byte[] requestsHash = Numeric.hexStringToByteArray(msg.get("requestsHash").asText());
        BigInteger nonce = new BigInteger(msg.get("nonce").asText());
        BigInteger fee = new BigInteger(msg.get("totalFee").asText());
        byte[] signature = Numeric.hexStringToByteArray(v.get("signature").asText());
        assertThat(nonce).isEqualTo(BigInteger.valueOf(7));
        assertThat(fee).isEqualTo(BigInteger.valueOf(123_456_789));

        // our Java digest agrees with the SDK's
        byte[] digest = new TeeSettlement(requestsHash, nonce, provider.getAddress(), user.getAddress(), fee)
                .digest(new Eip712Domain(domain.get("name").asText(), domain.get("version").asText(),
                        domain.get("chainId").asLong(), domain.get("verifyingContract").asText()));
        assertThat(Numeric.toHexString(digest)).isEqualTo(v.get("digest").asText().toLowerCase());
        assertThat(DigestSigner.recover(digest, signature)).isEqualToIgnoringCase(provider.getAddress());

        // provider = account 1 whose TEE signer is its own key; the owner acknowledges it
        ServiceParams params = new ServiceParams("HTTP", "https://vector.example", "vector-model", "TeeML",
                BigInteger.ONE, BigInteger.ONE, "", provider.getAddress());
        d.inference(provider).addOrUpdateService(params, Units.og(100)).send();
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
        // user = account 8 funds a sub-account with the provider
        d.ledger(user).addLedger("", Units.og(5)).send();
        d.ledger(user).transferFund(provider.getAddress(), InferenceFixture.SERVICE, Units.og(1)).send();

        BigInteger providerBefore = d.chain().balanceOf(provider.getAddress());
        TransactionReceipt r = d.inference(provider).settleFeesWithTEE(List.of(new TEESettlementData(
                msg.get("user").asText(), msg.get("provider").asText(), fee, requestsHash, nonce, signature))).send();
        var results = InferenceServing.getTEESettlementResultEvents(r);
        assertThat(results).hasSize(1);
        assertThat(results.get(0).status.intValueExact()).isEqualTo(SUCCESS);
        assertThat(results.get(0).unsettledAmount).isZero();

        var account = d.inference(provider).getAccount(user.getAddress(), provider.getAddress()).send();
        assertThat(account.balance).isEqualTo(Units.og(1).subtract(fee));
        assertThat(account.nonce).isEqualTo(nonce);
        assertThat(d.ledger(user).getLedger(user.getAddress()).send().totalBalance)
                .isEqualTo(Units.og(5).subtract(fee));
        assertThat(LedgerManager.getFundSpentEvents(r)).extracting(e -> e.amount).containsExactly(fee);
        assertThat(d.chain().balanceOf(provider.getAddress()))
                .isEqualTo(providerBefore.add(fee).subtract(InferenceFixture.gasCost(r)));
    }

}

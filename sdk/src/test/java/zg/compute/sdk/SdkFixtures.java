package zg.compute.sdk;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.units.Units;

/** Small helpers shared by this module's tests: brokers on the devnet, providers, extra funded keys. */
final class SdkFixtures {

    private SdkFixtures() {
    }

    static BrokerOptions options() {
        // Auto-top-up inside getRequestHeaders is tested on its own; elsewhere it would add transfers.
        return BrokerOptions.defaults().withFundOnRequestHeaders(false);
    }

    static ZGComputeNetworkBroker broker(Devnet d, Credentials who) {
        return ZGComputeNetworkBroker.create(who, d.rpcUrl(), options());
    }

    /** A deterministic extra key (beyond anvil's 10 accounts) with {@code og} 0G on the devnet. */
    static Credentials fundedKey(Devnet d, int index, long og) {
        Credentials c = Credentials.create(ECKeyPair.create(BigInteger.valueOf(0xC0FFEE000L + index)));
        d.chain().setBalance(c.getAddress(), Units.og(og));
        return c;
    }

    /** Registers an inference service for {@code provider} (staking 100 0G) with a TEE signer. */
    static void registerService(Devnet d, Credentials provider, String url, String model, String teeSigner,
            String additionalInfo) throws Exception {
        d.inference(provider).addOrUpdateService(new InferenceServing.ServiceParams("chatbot", url, model, "TeeML",
                BigInteger.valueOf(1_000), BigInteger.valueOf(2_000), additionalInfo, teeSigner), Units.og(100))
                .send();
    }

    static void acknowledgeTeeSignerAsOwner(Devnet d, String provider) throws Exception {
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(provider).send();
    }

    /** A clock the test moves by hand (token lifetimes without sleeping). */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

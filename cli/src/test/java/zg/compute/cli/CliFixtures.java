package zg.compute.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** Devnet set-up shared by this module's tests. */
final class CliFixtures {

    private CliFixtures() {
    }

    /** Registers a service for {@code provider} (its own address as TEE signer), owner-acknowledged. */
    static String registerProvider(Devnet d, Credentials provider, String type) throws Exception {
        d.inference(provider).addOrUpdateService(new InferenceServing.ServiceParams(type, "http://127.0.0.1:9/",
                "org/test-model", "TeeML", BigInteger.valueOf(1_000), BigInteger.valueOf(2_000), "{}",
                provider.getAddress()), Units.og(100)).send();
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
        return Keys.toChecksumAddress(provider.getAddress());
    }

    /** A fresh key with {@code og} 0G on the devnet. */
    static Credentials fundedKey(Devnet d, long seed, long og) {
        Credentials c = Credentials.create(ECKeyPair.create(BigInteger.valueOf(0xC11000L + seed)));
        d.chain().setBalance(c.getAddress(), Units.og(og));
        return c;
    }

    static String hex(Credentials c) {
        return Numeric.toHexStringWithPrefixZeroPadded(c.getEcKeyPair().getPrivateKey(), 64);
    }

    /** A runner configured for the devnet (setup-network local) using {@code key} from ZG_PRIVATE_KEY. */
    static CliRunner runnerFor(Devnet d, Path home, Credentials key) {
        d.info().write(home.resolve("devnet.json"));
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("setup-network", "--network", "local");
        if (r.exit() != 0) {
            throw new AssertionError(r.toString());
        }
        if (key != null) {
            cli.env.put("ZG_PRIVATE_KEY", hex(key));
        }
        return cli;
    }

    /** POSTs {@code body} to a provider's chat completions with the SDK's request headers for it. */
    static HttpResponse<byte[]> paidChat(ZGComputeNetworkBroker broker, DevnetStack.ProviderEntry provider,
            byte[] body) throws Exception {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(provider.url() + "/v1/proxy/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        broker.inference().getRequestHeaders(provider.address()).forEach(rb::header);
        return HttpClient.newHttpClient().send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** What the provider bills for {@code usage}: input × input price + output × output price. */
    static BigInteger fee(DevnetStack.ProviderEntry provider, JsonNode usage) {
        return provider.inputPrice().multiply(BigInteger.valueOf(usage.path("prompt_tokens").asLong()))
                .add(provider.outputPrice().multiply(BigInteger.valueOf(usage.path("completion_tokens").asLong())));
    }
}

package zg.compute.provider.internal.finetuning;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;
import zg.compute.protocol.auth.SessionHeaders;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.provider.finetuning.FineTuningConfig;

/**
 * The finalizer's feed to inference providers (fine-tuning.md §1.10): the encrypted model goes to storage, and each
 * configured inference provider gets {@code {"taskId","storageHash","providerEncKey"}} at
 * {@code /internal/v1/adapter-keys}, the AES key ECIES-encrypted to its wallet, signed with this provider's wallet
 * as snapshot session headers. The key alone serves nothing: the inference provider still waits for the user's
 * on-chain acknowledgement and deploy request.
 */
public final class AdapterFeed {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FineTuningConfig.AdapterFeed config;
    private final Credentials wallet;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public AdapterFeed(FineTuningConfig.AdapterFeed config, Credentials wallet, Clock clock) {
        this.config = config;
        this.wallet = wallet;
        this.clock = clock;
    }

    public boolean enabled() {
        return config.storage() != null;
    }

    /**
     * Stores the encrypted model and posts its key to every inference provider.
     *
     * @return one line per step for the task log (a failing provider is reported, not thrown: delivery goes on)
     */
    public String feed(String taskId, Path encryptedModel, byte[] aesKey) throws IOException {
        String root = config.storage().put(encryptedModel);
        StringBuilder log = new StringBuilder("encrypted model stored, root " + root);
        for (FineTuningConfig.InferenceTarget t : config.inference()) {
            byte[] pub = Numeric.hexStringToByteArray(t.publicKey());
            byte[] xy = pub.length == 65 ? java.util.Arrays.copyOfRange(pub, 1, 65) : pub;
            String address = Keys.toChecksumAddress(Keys.getAddress(new BigInteger(1, xy)));
            Map<String, String> body = new LinkedHashMap<>();
            body.put("taskId", taskId);
            body.put("storageHash", root);
            body.put("providerEncKey", Numeric.toHexString(Ecies.encrypt(pub, aesKey)));
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(t.url().replaceAll("/+$", "")
                    + "/internal/v1/adapter-keys")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            SessionHeaders.sign(wallet, address, clock.millis()).forEach(req::header);
            try {
                HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
                log.append(r.statusCode() == 200 ? "; key sent to " + address
                        : "; " + address + " refused the key: " + r.statusCode() + " " + r.body());
            } catch (IOException e) {
                log.append("; ").append(address).append(" unreachable: ").append(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while feeding " + address, e);
            }
        }
        return log.toString();
    }
}

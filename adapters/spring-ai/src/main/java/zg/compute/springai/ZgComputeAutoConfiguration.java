package zg.compute.springai;

import java.io.IOException;
import java.nio.file.Path;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.web3j.crypto.exception.CipherException;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;
import zg.compute.okhttp.ZgProviderClient;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ConfigurationException;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Beans from {@code zg.compute.*} (see {@link ZgComputeProperties}): the {@link ZGComputeNetworkBroker} of the
 * configured wallet and a verifying {@link ChatModel} for {@code zg.compute.provider}. Active when
 * {@code zg.compute.rpc} is set; each bean steps aside for one the application defines.
 */
@AutoConfiguration
@EnableConfigurationProperties(ZgComputeProperties.class)
@ConditionalOnProperty(prefix = "zg.compute", name = "rpc")
public class ZgComputeAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ZGComputeNetworkBroker zgComputeNetworkBroker(ZgComputeProperties p, Environment env) {
        BrokerOptions options = BrokerOptions.defaults().withFundOnRequestHeaders(p.isFundOnRequestHeaders());
        if (p.getDevnetJson() != null && !p.getDevnetJson().isBlank()) {
            options = options.withDevnetJson(Path.of(p.getDevnetJson()));
        }
        return ZGComputeNetworkBroker.create(credentials(p, env), p.getRpc(), options);
    }

    @Bean
    @ConditionalOnMissingBean(ChatModel.class)
    @ConditionalOnProperty(prefix = "zg.compute", name = "provider")
    public ZgChatModel zgChatModel(ZGComputeNetworkBroker broker, ZgComputeProperties p) {
        String provider = p.getProvider();
        if (p.isAcknowledgeProvider() && !broker.inference().acknowledged(provider)) {
            broker.inference().acknowledgeProviderSigner(provider);
        }
        String model = p.getModel() == null || p.getModel().isBlank() ? null : p.getModel();
        return new ZgChatModel(ZgProviderClient.create(broker.inference(), provider, model));
    }

    /** The key (or keystore password) is read from Spring's environment: OS variables, system properties, tests. */
    static Credentials credentials(ZgComputeProperties p, Environment env) {
        if (p.getKeystore() != null && !p.getKeystore().isBlank()) {
            String password = env.getProperty(p.getKeystorePasswordEnv());
            if (password == null) {
                throw new ConfigurationException("zg.compute.keystore is set but the environment variable "
                        + p.getKeystorePasswordEnv() + " (its password) is not");
            }
            try {
                return WalletUtils.loadCredentials(password, p.getKeystore());
            } catch (IOException | CipherException e) {
                throw new ConfigurationException("Cannot open the keystore " + p.getKeystore() + ": " + e.getMessage());
            }
        }
        String key = env.getProperty(p.getPrivateKeyEnv());
        if (key == null || key.isBlank()) {
            throw new ConfigurationException("Set the environment variable " + p.getPrivateKeyEnv()
                    + " to the wallet's private key, or zg.compute.keystore to an encrypted keystore");
        }
        return Credentials.create(key.strip());
    }
}

package zg.compute.sdk;

/** The broker cannot be set up: unknown network, unregistered contract, unreadable devnet.json, … */
public class ConfigurationException extends ZGComputeException {

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}

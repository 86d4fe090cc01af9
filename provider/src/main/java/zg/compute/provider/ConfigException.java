package zg.compute.provider;

/** A configuration problem; the message names the offending key and what is wrong with it. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

package zg.compute.cli.internal.serve;

/** The {@code router-serve} flags {@code --add-provider} and {@code --add-endpoint}, parsed (sdk-cli.md §6.3). */
public final class TargetSpec {

    /** An on-chain provider: {@code address[,priority]}. */
    public record Provider(String address, int priority) {
    }

    /**
     * A direct endpoint: {@code id,url,apikey[,model[,priority[,serviceType]]]}; the service type (default
     * {@code chatbot}) says which route it answers.
     */
    public record Endpoint(String id, String url, String apiKey, String model, int priority, String serviceType) {
    }

    public static final String DEFAULT_ENDPOINT_MODEL = "gpt-3.5-turbo";
    public static final String DEFAULT_ENDPOINT_TYPE = "chatbot";

    private TargetSpec() {
    }

    /** @throws IllegalArgumentException naming the flag and the expected form */
    public static Provider provider(String spec, int defaultPriority) {
        String[] p = spec.split(",", -1);
        if (p.length > 2 || p[0].isBlank()) {
            throw new IllegalArgumentException("--add-provider expects <address>[,<priority>], got \"" + spec + "\"");
        }
        return new Provider(p[0].trim(), p.length == 2 ? priority(p[1], "--add-provider", spec) : defaultPriority);
    }

    /** @throws IllegalArgumentException naming the flag and the expected form */
    public static Endpoint endpoint(String spec, int defaultPriority) {
        String[] p = spec.split(",", -1);
        if (p.length < 3 || p.length > 6 || p[0].isBlank() || p[1].isBlank()) {
            throw new IllegalArgumentException("--add-endpoint expects <id>,<url>,<apikey>[,<model>[,<priority>"
                    + "[,<serviceType>]]], got \"" + redactKey(p) + "\"");
        }
        if (!p[1].trim().matches("https?://\\S+")) {
            throw new IllegalArgumentException("--add-endpoint " + p[0] + ": the URL must start with http:// or https://");
        }
        String model = p.length >= 4 && !p[3].isBlank() ? p[3].trim() : DEFAULT_ENDPOINT_MODEL;
        int priority = p.length >= 5 && !p[4].isBlank() ? priority(p[4], "--add-endpoint", p[0]) : defaultPriority;
        String type = p.length == 6 && !p[5].isBlank() ? p[5].trim() : DEFAULT_ENDPOINT_TYPE;
        if (Route.of(type) == null) {
            throw new IllegalArgumentException("--add-endpoint " + p[0] + ": the service type must be one of "
                    + String.join(", ", Route.serviceTypes()) + ", got \"" + type + "\"");
        }
        return new Endpoint(p[0].trim(), p[1].trim(), p[2].trim(), model, priority, type);
    }

    private static int priority(String s, String flag, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + what + ": the priority must be a whole number, got \""
                    + s.trim() + "\"");
        }
    }

    /** An error message must not repeat the API key. */
    private static String redactKey(String[] p) {
        String[] copy = p.clone();
        if (copy.length >= 3) {
            copy[2] = "…";
        }
        return String.join(",", copy);
    }
}

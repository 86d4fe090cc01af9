package zg.compute.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * DNS rebinding protection for local servers: a web page whose domain was re-pointed at 127.0.0.1 reaches the
 * server with its own name in {@code Host}. Only localhost, IP literals and the names given (e.g. with
 * {@code --allowed-host}) are answered; any other Host gets 403 with a one-line JSON error.
 */
public final class HostCheck {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    /** Inside brackets: hex groups, colons, an embedded IPv4 tail, a zone id; a DNS name never has a colon. */
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*(%25[0-9a-z._~-]+)?");

    private final Set<String> names;
    private final String option;

    /**
     * @param allowed names answered besides localhost and IP literals (case-insensitive)
     * @param option  the option that adds names, named in the refusal
     */
    public HostCheck(Collection<String> allowed, String option) {
        this.names = allowed.stream().map(n -> n.trim().toLowerCase(Locale.ROOT)).filter(n -> !n.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.option = option;
    }

    /** Whether a request with this {@code Host} header is answered; no header (HTTP/1.0) is, browsers always send one. */
    public boolean allows(String hostHeader) {
        if (hostHeader == null) {
            return true;
        }
        String host = hostOf(hostHeader.trim().toLowerCase(Locale.ROOT));
        if (host == null) {
            return false;
        }
        if (host.startsWith("[")) {
            return IPV6.matcher(host.substring(1, host.length() - 1)).matches();
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1); // "localhost." is "localhost"
        }
        return host.equals("localhost") || host.endsWith(".localhost") || IPV4.matcher(host).matches()
                || names.contains(host);
    }

    /** The host without its port ({@code [v6]} keeps its brackets), or null when the header is malformed. */
    private static String hostOf(String h) {
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || !(end == h.length() - 1 || h.charAt(end + 1) == ':')) {
                return null;
            }
            return h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        if (colon >= 0 && h.indexOf(':', colon + 1) >= 0) {
            return null; // an unbracketed IPv6 address is not a valid Host
        }
        return colon < 0 ? h : h.substring(0, colon);
    }

    /** {@code next} behind the check: a refused request is answered 403 and never reaches it. */
    public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
        return req -> {
            String host = req.getHeader("Host");
            if (allows(host)) {
                next.handle(req);
                return;
            }
            String shown = host.length() > 100 ? host.substring(0, 100) + "…" : host;
            req.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                    .putHeader("Connection", "close")
                    .end("{\"error\":" + io.vertx.core.json.Json.encode("Host " + shown + " is not allowed: this "
                            + "server answers only localhost, IP addresses and names given with " + option
                            + " (DNS rebinding protection)") + "}")
                    .onComplete(v -> req.connection().close()); // its body, if any, is not read
        };
    }
}

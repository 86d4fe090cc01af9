package zg.compute.cli.internal.commands;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import zg.compute.cli.CliException;

/** {@code --duration}: bare numbers are milliseconds (as the official CLI); {@code ms|s|m|h|d} suffixes too. */
final class Durations {

    private static final Pattern P = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    static Duration parse(String text) {
        Matcher m = P.matcher(text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new CliException("Not a duration: \"" + text + "\" (use milliseconds, or e.g. 90s, 30m, 1h, 7d)");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new CliException("Duration too large: " + text);
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        try {
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            d.toMillis(); // an expiry is a millisecond timestamp: the lifetime must fit in one
            return d;
        } catch (ArithmeticException e) {
            throw new CliException("Duration too large: " + text);
        }
    }
}

package zg.compute.sdk.internal.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import zg.compute.sdk.ProviderHttpException;

/**
 * A POST whose answer is a (large) file, streamed to disk. The idle timeout bounds each read, not the
 * whole transfer (that is why this uses {@link HttpURLConnection}: java.net.http has no per-read timeout).
 * Failed attempts are retried per {@link RetryPolicy}, each with a fresh request body (signatures carry
 * a timestamp). The target appears only when complete.
 */
public final class StreamingDownload {

    /**
     * Why the last attempt failed.
     *
     * @param status HTTP status, -1 when there was no answer
     * @param text   the answer's body, or what went wrong
     */
    public record Failure(int status, String text, int attempts) {
    }

    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final RetryPolicy retries;

    public StreamingDownload(Duration connectTimeout, Duration idleTimeout, RetryPolicy retries) {
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.retries = retries;
    }

    /**
     * Downloads into {@code target}, replacing it.
     *
     * @param jsonBody builds the JSON request body of each attempt
     * @return empty on success, else the last attempt's failure
     */
    public Optional<Failure> download(String url, Supplier<String> jsonBody, Path target) {
        for (int attempt = 0; ; attempt++) {
            Failure f = attempt(url, jsonBody.get(), target, attempt + 1);
            if (f == null) {
                return Optional.empty();
            }
            if (!retries.retryable(f.status()) || !retries.allowsRetryAfter(attempt)) {
                return Optional.of(f);
            }
            sleep(retries.backoff(attempt));
        }
    }

    private Failure attempt(String url, String body, Path target, int attempts) {
        HttpURLConnection c = null;
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            c = (HttpURLConnection) toUrl(url).openConnection();
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) idleTimeout.toMillis());
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            int status = c.getResponseCode();
            if (status / 100 != 2) {
                InputStream err = c.getErrorStream();
                String text = err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8);
                return new Failure(status, text, attempts);
            }
            try (InputStream in = c.getInputStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        } catch (java.net.SocketTimeoutException e) {
            return new Failure(-1, "No data from " + url + " for " + idleTimeout.toSeconds() + " s", attempts);
        } catch (IOException e) {
            return new Failure(-1, "Cannot download from " + url + ": " + e, attempts);
        } finally {
            if (c != null) {
                c.disconnect();
            }
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // best effort: a leftover .part file is harmless
            }
        }
    }

    private static URL toUrl(String url) {
        try {
            return URI.create(url).toURL();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new ProviderHttpException("Invalid provider URL " + url + ": " + e.getMessage(), -1, e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderHttpException("Interrupted while waiting to retry a download", -1, e);
        }
    }
}

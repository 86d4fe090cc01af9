package zg.compute.sdk.internal.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body built in memory, so the exact bytes sent can be hashed for the response
 * signature check (transcriptions and image edits are small enough; dataset uploads use {@link Multipart}).
 */
public final class FormData {

    private final String boundary = "zg-" + UUID.randomUUID().toString().replace("-", "");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public FormData field(String name, String value) {
        if (value != null) {
            head("Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n");
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    public FormData file(String name, String filename, String contentType, byte[] data) {
        head("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename.replace("\"", "_")
                .replace("\r", "_").replace("\n", "_") + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
        out.writeBytes(data);
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private void head(String text) {
        out.writeBytes(("--" + boundary + "\r\n" + text).getBytes(StandardCharsets.UTF_8));
    }

    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The whole body, closing boundary included. */
    public byte[] bytes() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(out.toByteArray());
        all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return all.toByteArray();
    }
}

package zg.compute.cli.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A client's request per route: checked once, re-encoded per target with that target's model. */
class ClientRequestTest {

    private static final String JSON = "application/json";
    private static final String FORM = "multipart/form-data; boundary=XyZ";

    private static ClientRequest read(Route route, String contentType, String body) throws ClientRequest.Invalid {
        return ClientRequest.read(route, contentType, null, Buffer.buffer(body));
    }

    /** A form with a text field and a binary file (bytes that are not UTF-8, CRs and LFs included). */
    private static byte[] form(String boundary, boolean withModel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("preamble to ignore\r\n--" + boundary + "\r\n").getBytes(StandardCharsets.UTF_8));
        if (withModel) {
            out.writeBytes(("Content-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--" + boundary + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(new byte[] {'R', 'I', (byte) 0xFF, '\r', '\n', '-', '-', 0, (byte) 0x80});
        out.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=language\r\n\r\nen\r\n--"
                + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void theModelIsReplacedPerTargetAndEverythingElseKept() throws Exception {
        ClientRequest b = read(Route.CHAT, JSON, "{\"model\":\"gpt-4\",\"temperature\":0.2,\"stream\":\"true\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        ClientRequest.Outgoing a = b.forModel("model-a");
        JsonObject ja = Buffer.buffer(a.body()).toJsonObject();
        assertThat(ja.getString("model")).isEqualTo("model-a");
        assertThat(Buffer.buffer(b.forModel("model-b").body()).toJsonObject().getString("model")).isEqualTo("model-b");
        assertThat(ja.getDouble("temperature")).isEqualTo(0.2);
        assertThat(ja.getBoolean("stream")).as("the official proxy also takes the string \"true\"").isTrue();
        assertThat(a.contentType()).isEqualTo(JSON);
        assertThat(a.json()).isTrue();
    }

    @Test
    void eachJsonRouteNamesWhatIsMissing() {
        assertThatThrownBy(() -> read(Route.CHAT, JSON, "[1]")).hasMessage("the request body must be a JSON object");
        assertThatThrownBy(() -> read(Route.CHAT, JSON, "")).hasMessage("the request body must be a JSON object");
        assertThatThrownBy(() -> read(Route.CHAT, JSON, "{\"messages\":[]}"))
                .hasMessage("messages is required and must be a non-empty array");
        assertThatThrownBy(() -> read(Route.IMAGES, JSON, "{\"n\":2}")).hasMessage("Missing prompt in request body");
        assertThatThrownBy(() -> read(Route.IMAGES, JSON, "{\"prompt\":\"  \"}"))
                .hasMessage("Missing prompt in request body");
        assertThatThrownBy(() -> read(Route.EMBEDDINGS, JSON, "{\"input\":[]}"))
                .hasMessage("Missing input in request body");
        assertThatThrownBy(() -> read(Route.IMAGE_EDITS, JSON, "{\"prompt\":\"hat\"}"))
                .hasMessage("Missing image in request body");
        assertThatThrownBy(() -> read(Route.EMBEDDINGS, JSON, "{oops"))
                .isInstanceOf(ClientRequest.Invalid.class).hasMessage("the request body is not valid JSON")
                .satisfies(e -> assertThat(((ClientRequest.Invalid) e).status()).isEqualTo(400));
    }

    @Test
    void aFormKeepsEveryByteButTheModelPart() throws Exception {
        byte[] original = form("XyZ", true);
        ClientRequest r = ClientRequest.read(Route.TRANSCRIPTIONS, FORM, null, Buffer.buffer(original));
        ClientRequest.Outgoing out = r.forModel("pocketsphinx-en-us");
        assertThat(out.contentType()).isEqualTo(FORM);
        assertThat(out.json()).isFalse();
        byte[] expected = new String(form("XyZ", false), StandardCharsets.ISO_8859_1)
                .replace("--XyZ--", "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
                        + "pocketsphinx-en-us\r\n--XyZ--")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(out.body()).isEqualTo(expected);

        // without a model part, one is added before the end (the official proxy's splice)
        ClientRequest noModel = ClientRequest.read(Route.TRANSCRIPTIONS, "multipart/form-data; boundary=\"XyZ\"",
                null, Buffer.buffer(form("XyZ", false)));
        assertThat(noModel.forModel("pocketsphinx-en-us").body()).isEqualTo(expected);
    }

    @Test
    void formsAreCheckedBeforeAnythingIsSpent() {
        byte[] noFile = "--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm\r\n--B--\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ClientRequest.read(Route.TRANSCRIPTIONS, "multipart/form-data; boundary=B", null,
                Buffer.buffer(noFile))).hasMessage("Missing file in request body");
        assertThatThrownBy(() -> ClientRequest.read(Route.IMAGE_EDITS, "multipart/form-data; boundary=B", null,
                Buffer.buffer(noFile))).hasMessage("Missing image in request body");
        byte[] cut = new String(form("B", true), StandardCharsets.ISO_8859_1).replace("--B--\r\n", "")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> ClientRequest.read(Route.TRANSCRIPTIONS, "multipart/form-data; boundary=B", null,
                Buffer.buffer(cut))).hasMessage("the multipart body is incomplete (no closing boundary)");
        assertThatThrownBy(() -> ClientRequest.read(Route.TRANSCRIPTIONS, "multipart/form-data", null,
                Buffer.buffer(noFile))).hasMessage("the multipart Content-Type has no boundary");
        assertThatThrownBy(() -> ClientRequest.read(Route.TRANSCRIPTIONS, "multipart/form-data; boundary=Q", null,
                Buffer.buffer(noFile))).hasMessage("the multipart body does not contain its boundary");
    }

    @Test
    void aWebPagesFormAndTheWrongContentTypeAreRefused() {
        assertThatThrownBy(() -> ClientRequest.read(Route.TRANSCRIPTIONS, FORM, "https://evil.example",
                Buffer.buffer(form("XyZ", true))))
                .satisfies(e -> assertThat(((ClientRequest.Invalid) e).status()).isEqualTo(403))
                .hasMessageStartingWith("requests from web pages (with an Origin header) are refused");
        assertThatThrownBy(() -> read(Route.TRANSCRIPTIONS, JSON, "{}"))
                .satisfies(e -> assertThat(((ClientRequest.Invalid) e).status()).isEqualTo(415))
                .hasMessage("Content-Type must be multipart/form-data");
        assertThatThrownBy(() -> read(Route.IMAGES, "text/plain", "{}"))
                .hasMessage("Content-Type must be application/json");
        assertThatThrownBy(() -> read(Route.IMAGE_EDITS, "text/plain", "{}"))
                .hasMessage("Content-Type must be application/json or multipart/form-data");
    }
}

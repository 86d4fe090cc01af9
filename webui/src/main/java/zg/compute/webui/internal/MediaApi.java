package zg.compute.webui.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import zg.compute.sdk.EmbeddingResult;
import zg.compute.sdk.ImageEditRequest;
import zg.compute.sdk.ImageRequest;
import zg.compute.sdk.ImageResult;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.TranscriptionOptions;
import zg.compute.sdk.TranscriptionResult;

/**
 * Images, speech-to-text and embeddings through the SDK's one-call clients: each answer comes back with its
 * verification (the TEE signature over exactly the bytes sent and received) and its actual fee.
 */
public final class MediaApi {

    private final InferenceBroker inference;

    public MediaApi(InferenceBroker inference) {
        this.inference = inference;
    }

    public JsonObject generate(Body b) {
        ImageRequest r = ImageRequest.of(b.required("prompt"));
        Integer n = b.integer("n");
        r = n == null ? r : r.withN(n);
        r = b.optional("size") == null ? r : r.withSize(b.optional("size"));
        return images(inference.images().generate(b.required("provider"), r));
    }

    public JsonObject edit(Body b) {
        ImageEditRequest r = ImageEditRequest.of(b.required("prompt"), b.file("image"),
                b.optional("imageName") == null ? "image.png" : b.optional("imageName"));
        r = b.optional("size") == null ? r : r.withSize(b.optional("size"));
        return images(inference.images().edit(b.required("provider"), r));
    }

    public JsonObject transcribe(Body b) {
        byte[] audio = b.file("audio");
        String name = b.optional("fileName") == null ? "audio.wav" : b.optional("fileName");
        String ext = name.contains(".") ? name.substring(name.lastIndexOf('.')) : ".wav";
        if (!ext.matches("\\.[A-Za-z0-9]{1,5}")) {
            throw new InvalidRequestException("fileName must end in an audio extension such as .wav, got " + name);
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile("zg-webui-audio", ext);
            Files.write(tmp, audio);
            TranscriptionOptions o = TranscriptionOptions.defaults();
            o = b.optional("language") == null ? o : o.withLanguage(b.optional("language"));
            TranscriptionResult t = inference.audio().transcribe(b.required("provider"), tmp, o);
            return paid(t.chatId(), t.verification(), t.fee()).put("text", t.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                tmp.toFile().delete();
            }
        }
    }

    public JsonObject embed(Body b) {
        Object input = b.json().getValue("input");
        List<String> texts = input instanceof JsonArray a ? a.stream().map(String::valueOf).toList()
                : input instanceof String s && !s.isBlank() ? List.of(s) : List.of();
        if (texts.isEmpty()) {
            throw new InvalidRequestException("input is required: a text or a list of texts");
        }
        EmbeddingResult e = inference.embeddings().create(b.required("provider"), texts);
        JsonArray vectors = new JsonArray();
        for (double[] v : e.vectors()) {
            JsonArray head = new JsonArray();
            for (int i = 0; i < Math.min(8, v.length); i++) {
                head.add(v[i]);
            }
            vectors.add(new JsonObject().put("dimensions", v.length).put("head", head));
        }
        return paid(e.chatId(), e.verification(), e.fee()).put("promptTokens", e.promptTokens()).put("vectors", vectors);
    }

    private static JsonObject images(ImageResult r) {
        return paid(r.chatId(), r.verification(), r.fee()).put("images", new JsonArray(r.images().stream()
                .map(img -> "data:image/png;base64," + Base64.getEncoder().encodeToString(img)).toList()));
    }

    private static JsonObject paid(String chatId, ResponseVerification v, BigInteger fee) {
        return new JsonObject().put("chatId", chatId).put("verification", v.name()).put("fee", Body.amount(fee));
    }
}

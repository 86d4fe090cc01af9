package zg.compute.backends.internal.embeddings;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * The OpenAI embeddings response:
 * {@code {"object":"list","data":[{"object":"embedding","index":i,"embedding":[…] | "<base64>"}],"model",
 * "usage":{"prompt_tokens","total_tokens"}}}. Base64 is the little-endian float32 bytes of the vector, as OpenAI.
 */
public final class EmbeddingResponse {

    private static final JsonFactory FACTORY = new JsonFactory();

    private EmbeddingResponse() {
    }

    public static byte[] write(String model, float[][] vectors, int promptTokens, boolean base64) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + vectors.length * (base64 ? 2100 : 4400));
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < vectors.length; i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                if (base64) {
                    g.writeString(base64(vectors[i]));
                } else {
                    g.writeStartArray();
                    for (float f : vectors[i]) {
                        g.writeNumber(f);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", model);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", promptTokens);
            g.writeNumberField("total_tokens", promptTokens);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Standard base64 of the little-endian IEEE-754 float32 bytes. */
    public static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
            bytes.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}

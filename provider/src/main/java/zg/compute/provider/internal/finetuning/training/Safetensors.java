package zg.compute.provider.internal.finetuning.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors file format (F32 only): an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}} padded with spaces to
 * a multiple of 8, then the tensors' little-endian data, offsets relative to the end of the header.
 */
public final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A row-major F32 tensor. */
    public record Tensor(int[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape does not match " + data.length + " values");
            }
        }
    }

    private Safetensors() {
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        StringBuilder text = new StringBuilder(JSON.writeValueAsString(header));
        while (text.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
            text.append(' ');
        }
        byte[] head = text.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length).array());
            out.write(head);
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : t.data()) {
                    b.putFloat(f);
                }
                out.write(b.array());
            }
        }
    }

    /** Reads every tensor of a safetensors file (F32 only), in header order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = all.getLong(0);
        if (headerLength < 2 || headerLength > all.capacity() - 8) {
            throw new IOException("not a safetensors file: header length " + headerLength);
        }
        JsonNode header = JSON.readTree(new String(all.array(), 8, (int) headerLength, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) headerLength;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            if (!"F32".equals(e.getValue().path("dtype").asText())) {
                throw new IOException(e.getKey() + ": only F32 is supported");
            }
            int[] shape = new int[e.getValue().path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.getValue().path("shape").get(i).asInt();
            }
            long begin = e.getValue().path("data_offsets").get(0).asLong();
            long end = e.getValue().path("data_offsets").get(1).asLong();
            if (begin < 0 || end < begin || dataStart + end > all.capacity()) {
                throw new IOException(e.getKey() + ": data_offsets out of the file");
            }
            float[] data = new float[(int) ((end - begin) / 4)];
            for (int i = 0; i < data.length; i++) {
                data[i] = all.getFloat(dataStart + (int) begin + 4 * i);
            }
            out.put(e.getKey(), new Tensor(shape, data));
        }
        return out;
    }
}

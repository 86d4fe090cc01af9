package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.StrictJson;
import zg.compute.provider.internal.billing.TokenEstimate;
import zg.compute.provider.internal.service.PaidRequest.Forward;

/**
 * {@code speech-to-text} (services-and-ui.md A.5), at the prices of the requested model. Duration billing (whisper family): round(seconds), at least
 * 1, × inputPrice; token billing ({@code usage.type == "tokens"}): input × inputPrice + output × outputPrice.
 * Usage from JSON {@code usage}, else {@code duration} (verbose_json), else the last srt/vtt cue end, else —
 * never free — the audio's own length (WAV header) × inputPrice, or words × 2 × outputPrice. Streams are
 * read line by line with an SSE {@code data:} prefix stripped; {@code transcript.text.done} carries usage.
 * The reservation covers the audio's length (WAV header, else an upper bound from its size).
 */
public final class TranscriptionStrategy implements ServiceStrategy {

    /** No codec worth sending speech in is below 4 kbit/s: an upper bound of the length for non-WAV files. */
    private static final int MIN_BYTES_PER_SECOND = 500;
    private static final Pattern CUE_END = Pattern.compile("-->\\s*(\\d+):(\\d{2}):(\\d{2})[.,](\\d{1,3})");

    private final ModelCatalog catalog;

    public TranscriptionStrategy(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String type() {
        return "speech-to-text";
    }

    @Override
    public String priceUnit() {
        return "neuron per second of audio (inputPrice); per token when the model reports tokens";
    }

    @Override
    public String path() {
        return "/audio/transcriptions";
    }

    @Override
    public PaidRequest read(byte[] body, String contentType) throws RequestRejected {
        if (!Multipart.isMultipart(contentType)) {
            throw new RequestRejected(400, "invalid request body: speech-to-text takes multipart/form-data");
        }
        Multipart m = Multipart.parse(body, contentType);
        Multipart.Part file = m.single("file", "`file` could not be read unambiguously")
                .orElseThrow(() -> new RequestRejected(400, "invalid request body: file field not found"));
        String stream = m.single("stream", "`stream` could not be read unambiguously").map(p -> p.text().strip())
                .orElse("false");
        if (!stream.equals("true") && !stream.equals("false")) {
            throw new RequestRejected(400, "invalid request body: stream must be true or false");
        }
        ModelCatalog.Resolved model = catalog.resolve(m.single("model", "`model` could not be read unambiguously")
                .map(p -> p.text().strip()).orElse(null));
        Forward forward = model.setUpstream() == null ? null
                : new Forward(m.withField("model", model.setUpstream()), "multipart/form-data; boundary=" + m.boundary());
        double wav = wavSeconds(file.data());
        double bound = wav >= 0 ? wav : (double) file.data().length / MIN_BYTES_PER_SECOND;
        return new Transcription(wav, (long) Math.ceil(Math.max(1, bound)), model.inputPrice(), model.outputPrice(),
                forward);
    }

    /** Length of a RIFF/WAVE file from its header, or -1 if it is not one. */
    static double wavSeconds(byte[] f) {
        if (f.length < 44 || !new String(f, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
                || !new String(f, 8, 4, StandardCharsets.ISO_8859_1).equals("WAVE")) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 12;
        long byteRate = -1;
        while (pos + 8 <= f.length) {
            String id = new String(f, pos, 4, StandardCharsets.ISO_8859_1);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            if (id.equals("fmt ") && pos + 16 <= f.length) {
                byteRate = Integer.toUnsignedLong(b.getInt(pos + 16));
            } else if (id.equals("data") && byteRate > 0) {
                long data = Math.min(size, f.length - pos - 8L);
                return (double) data / byteRate;
            }
            pos += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - pos - 8);
        }
        return -1;
    }

    private static final class Transcription implements PaidRequest {
        /** The audio's length from its WAV header, -1 if unknown. */
        private final double wavSeconds;
        private final long boundSeconds;
        private final BigInteger inputPrice;
        private final BigInteger outputPrice;
        /** Null: the client's body as it is. */
        private final Forward forward;

        Transcription(double wavSeconds, long boundSeconds, BigInteger inputPrice, BigInteger outputPrice,
                Forward forward) {
            this.wavSeconds = wavSeconds;
            this.boundSeconds = boundSeconds;
            this.inputPrice = inputPrice;
            this.outputPrice = outputPrice;
            this.forward = forward;
        }

        @Override
        public Forward forward(BigInteger reserved) {
            return forward;
        }

        @Override
        public BigInteger minimumFee() {
            return inputPrice;
        }

        @Override
        public BigInteger desiredFee() {
            // duration billing, or the never-free fallback of ~4 words a second × 2 × outputPrice
            return inputPrice.multiply(BigInteger.valueOf(boundSeconds))
                    .max(outputPrice.multiply(BigInteger.valueOf(8 * boundSeconds)));
        }

        @Override
        public Bill bill(Response r) {
            String text = r.text().orElse("");
            Bill b = fromUsage(text);
            return b != null ? b : fallback(text);
        }

        private Bill fromUsage(String text) {
            JsonNode doc = StrictJson.readOrNull(text);
            if (doc != null && doc.isObject()) {
                Bill b = usage(doc.get("usage"));
                if (b != null) {
                    return b;
                }
                if (doc.path("duration").isNumber() && doc.get("duration").asDouble() > 0) {
                    return seconds(doc.get("duration").asDouble());
                }
                return null;
            }
            Bill last = null;
            for (String raw : text.split("\n")) {
                String line = raw.strip();
                if (line.startsWith("data:")) {
                    line = line.substring(5).strip();
                }
                JsonNode n = line.startsWith("{") ? StrictJson.readOrNull(line) : null;
                if (n != null && "transcript.text.done".equals(n.path("type").asText())) {
                    last = usage(n.get("usage"));
                }
            }
            if (last != null) {
                return last;
            }
            Matcher cue = CUE_END.matcher(text);
            double end = -1;
            while (cue.find()) {
                end = Integer.parseInt(cue.group(1)) * 3600 + Integer.parseInt(cue.group(2)) * 60
                        + Integer.parseInt(cue.group(3)) + Integer.parseInt(cue.group(4)) / Math.pow(10, cue.group(4).length());
            }
            return end > 0 ? seconds(end) : null;
        }

        private Bill usage(JsonNode u) {
            if (u == null || !u.isObject()) {
                return null;
            }
            String type = u.path("type").asText("");
            double secs = u.path("seconds").asDouble(0);
            if (type.equals("tokens")) {
                long in = Math.max(0, u.path("input_tokens").asLong(0));
                long out = Math.max(0, u.path("output_tokens").asLong(0));
                return new Bill(in, out, inputPrice.multiply(BigInteger.valueOf(in)),
                        outputPrice.multiply(BigInteger.valueOf(out)));
            }
            if ((type.equals("duration") || type.isEmpty()) && secs > 0) {
                return seconds(secs);
            }
            return null; // a mismatched shape goes to the fallback (A.5)
        }

        private Bill seconds(double s) {
            long billable = Math.max(1, Math.round(s));
            return new Bill(billable, 0, inputPrice.multiply(BigInteger.valueOf(billable)), BigInteger.ZERO);
        }

        private Bill fallback(String text) {
            if (wavSeconds > 0) {
                return seconds(wavSeconds);
            }
            long words = TokenEstimate.of(text);
            long out = Math.max(1, words) * 2;
            return new Bill(0, out, BigInteger.ZERO, outputPrice.multiply(BigInteger.valueOf(out)));
        }
    }
}

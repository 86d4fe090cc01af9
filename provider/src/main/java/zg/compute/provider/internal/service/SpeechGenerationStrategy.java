package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import zg.compute.protocol.audio.Wav;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.StrictJson;
import zg.compute.provider.internal.service.PaidRequest.Forward;

/**
 * {@code audio-generation}, sync speech (services-and-ui.md A.6, {@code POST /audio/speech}): output seconds,
 * rounded up, × outputPrice of the requested model. The seconds are measured from the WAV the client received
 * (not taken on the upstream's word), else the JSON's {@code usage.output_audio_seconds} or
 * {@code audio.duration_seconds}, else the reserved ceiling. The reservation is that ceiling: the input spoken at
 * a third of normal speech rate (5 characters a second instead of about 15), slower for {@code speed} below 1.
 * Signed like chat: {@code sha256(request):sha256(response bytes)}.
 */
public final class SpeechGenerationStrategy implements ServiceStrategy {

    /** Characters spoken per second that the ceiling assumes (normal speech is about 15). */
    private static final double CEILING_CHARS_PER_SECOND = 5.0;

    private final ModelCatalog catalog;

    public SpeechGenerationStrategy(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String type() {
        return "audio-generation";
    }

    @Override
    public String path() {
        return "/audio/speech";
    }

    @Override
    public String priceUnit() {
        return "neuron per second of generated audio (outputPrice)";
    }

    @Override
    public PaidRequest read(byte[] body, String contentType) throws RequestRejected {
        ObjectNode json = StrictJson.object(body);
        ModelCatalog.Resolved model = catalog.resolve(json.get("model"));
        JsonNode input = json.get("input");
        if (input == null || !input.isTextual() || input.asText().isBlank()) {
            throw new RequestRejected(400, "invalid request body: input must be a non-empty string");
        }
        double speed = 1.0;
        JsonNode s = json.get("speed");
        if (s != null && !s.isNull()) {
            if (!s.isNumber() || s.asDouble() <= 0) {
                throw new RequestRejected(400, "invalid request body: speed must be a positive number");
            }
            speed = s.asDouble();
        }
        long ceiling = 2 + (long) Math.ceil(input.asText().length() / CEILING_CHARS_PER_SECOND / Math.min(speed, 1.0));
        Forward forward = null;
        if (model.setUpstream() != null) {
            json.put("model", model.setUpstream());
            forward = new Forward(StrictJson.write(json), "application/json");
        }
        return new Speech(ceiling, model.outputPrice(), forward);
    }

    private static final class Speech implements PaidRequest {
        private final long ceilingSeconds;
        private final BigInteger outputPrice;
        private final Forward forward;

        Speech(long ceilingSeconds, BigInteger outputPrice, Forward forward) {
            this.ceilingSeconds = ceilingSeconds;
            this.outputPrice = outputPrice;
            this.forward = forward;
        }

        @Override
        public Forward forward(BigInteger reserved) {
            return forward;
        }

        @Override
        public BigInteger minimumFee() {
            return outputPrice;
        }

        @Override
        public BigInteger desiredFee() {
            return outputPrice.multiply(BigInteger.valueOf(ceilingSeconds));
        }

        @Override
        public Bill bill(Response r) {
            double seconds = measured(r);
            long billable = seconds > 0 ? Math.max(1, (long) Math.ceil(seconds - 1e-9)) : ceilingSeconds;
            return new Bill(0, billable, BigInteger.ZERO, outputPrice.multiply(BigInteger.valueOf(billable)));
        }

        /** Seconds of audio in the answer, or 0 when it says nothing measurable. */
        private static double measured(Response r) {
            byte[] bytes = r.decoded().orElse(null);
            if (bytes == null) {
                return 0;
            }
            if (bytes.length >= 12 && bytes[0] == 'R' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == 'F') {
                try {
                    return Wav.read(bytes).seconds();
                } catch (IllegalArgumentException notWav) {
                    return 0;
                }
            }
            JsonNode n = r.text().map(StrictJson::readOrNull).orElse(null);
            if (n == null) {
                return 0;
            }
            JsonNode usage = n.path("usage").path("output_audio_seconds");
            JsonNode audio = n.path("audio").path("duration_seconds");
            return usage.isNumber() && usage.asDouble() > 0 ? usage.asDouble()
                    : audio.isNumber() && audio.asDouble() > 0 ? audio.asDouble() : 0;
        }
    }
}

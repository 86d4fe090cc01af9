package zg.compute.cli.internal.commands;

import java.util.List;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.sdk.ServiceInfo;

/**
 * A service's prices with their unit, as its type is billed (services-and-ui.md A.2–A.6, the SDK's fee rules):
 * chat per input / output token; images per picture in {@code outputPrice}; speech-to-text per second of audio in
 * {@code inputPrice} when the model reports a duration (both per token when it reports tokens); embeddings per input
 * token; generated speech per second of audio in {@code outputPrice}. Unknown types are shown per token, as the contract stores them.
 */
final class PriceRows {

    /** One row of a listing: label and amount in 0G. */
    record Row(String label, String value) {
    }

    private PriceRows() {
    }

    static List<Row> of(ServiceInfo s) {
        String in = Fmt.og(s.inputPrice());
        String out = Fmt.og(s.outputPrice());
        return switch (type(s)) {
            case "text-to-image", "image-editing" -> List.of(new Row("Price Per Image (0G)", out));
            case "speech-to-text" -> List.of(new Row("Price Per Second of Audio (0G)", in),
                    new Row("Token-Billed Models: Input / Output Per Token (0G)", in + " / " + out));
            case "embedding" -> List.of(new Row("Input Price Per Token (0G)", in));
            case "audio-generation" -> List.of(new Row("Price Per Second of Generated Audio (0G)", out));
            default -> List.of(new Row("Input Price Per Token (0G)", in), new Row("Output Price Per Token (0G)", out));
        };
    }

    /** The unit in words, for {@code --json}. */
    static String unit(ServiceInfo s) {
        return switch (type(s)) {
            case "text-to-image", "image-editing" -> "per image (outputPrice)";
            case "speech-to-text" -> "per second of audio (inputPrice); per input / output token when the model "
                    + "reports tokens";
            case "embedding" -> "per input token (inputPrice)";
            case "audio-generation" -> "per second of generated audio (outputPrice)";
            default -> "per token (inputPrice / outputPrice)";
        };
    }

    private static String type(ServiceInfo s) {
        return s.serviceType() == null ? "" : s.serviceType();
    }
}

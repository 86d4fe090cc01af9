package zg.compute.okhttp;

import java.nio.charset.StandardCharsets;
import zg.compute.sdk.ResponseOutcome;

/** One answer of a 0G provider: its exact bytes and what {@link ZgInterceptor} found (verification, fee, chat id). */
public record ZgAnswer(byte[] body, ResponseOutcome outcome) {

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}

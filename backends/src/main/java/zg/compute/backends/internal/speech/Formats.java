package zg.compute.backends.internal.speech;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** Renders a {@link Transcript} in the OpenAI {@code response_format}s and as stream events. */
public final class Formats {

    private Formats() {
    }

    /** Seconds rounded to milliseconds, as a JSON number. */
    static double secs(double s) {
        return BigDecimal.valueOf(s).setScale(3, RoundingMode.HALF_UP).doubleValue();
    }

    /** {@code {"type":"duration","seconds":N}}: the audio's length, which the broker bills × inputPrice. */
    public static JsonObject usage(Transcript t) {
        return new JsonObject().put("type", "duration").put("seconds", secs(t.durationSeconds()));
    }

    public static String json(Transcript t) {
        return new JsonObject().put("text", t.text()).put("usage", usage(t)).encode();
    }

    public static String text(Transcript t) {
        return t.text() + "\n";
    }

    public static String verboseJson(Transcript t, boolean words) {
        JsonArray segments = new JsonArray();
        for (Transcript.Segment s : t.segments()) {
            segments.add(new JsonObject().put("id", s.id()).put("seek", Math.round(s.start() * 100))
                    .put("start", secs(s.start())).put("end", secs(s.end())).put("text", s.text())
                    .put("temperature", 0.0).put("avg_logprob", secs(s.avgLogprob())));
        }
        JsonObject out = new JsonObject().put("task", "transcribe").put("language", "english")
                .put("duration", secs(t.durationSeconds())).put("text", t.text()).put("segments", segments);
        if (words) {
            JsonArray ws = new JsonArray();
            for (Transcript.Word w : t.words()) {
                ws.add(new JsonObject().put("word", w.word()).put("start", secs(w.start())).put("end", secs(w.end())));
            }
            out.put("words", ws);
        }
        return out.put("usage", usage(t)).encode();
    }

    public static String srt(Transcript t) {
        StringBuilder sb = new StringBuilder();
        int n = 1;
        for (Transcript.Segment s : t.segments()) {
            sb.append(n++).append('\n').append(cueTime(s.start(), ',')).append(" --> ").append(cueTime(s.end(), ','))
                    .append('\n').append(s.text()).append("\n\n");
        }
        return sb.toString();
    }

    public static String vtt(Transcript t) {
        StringBuilder sb = new StringBuilder("WEBVTT\n\n");
        for (Transcript.Segment s : t.segments()) {
            sb.append(cueTime(s.start(), '.')).append(" --> ").append(cueTime(s.end(), '.')).append('\n')
                    .append(s.text()).append("\n\n");
        }
        return sb.toString();
    }

    /** {@code HH:MM:SS,mmm} (srt) or {@code HH:MM:SS.mmm} (vtt). */
    static String cueTime(double seconds, char sep) {
        long ms = Math.round(seconds * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, sep,
                ms % 1000);
    }

    /** One SSE event. */
    public static String sse(JsonObject event) {
        return "data: " + event.encode() + "\n\n";
    }

    public static JsonObject delta(String text) {
        return new JsonObject().put("type", "transcript.text.delta").put("delta", text);
    }

    public static JsonObject done(Transcript t) {
        return new JsonObject().put("type", "transcript.text.done").put("text", t.text()).put("usage", usage(t));
    }
}

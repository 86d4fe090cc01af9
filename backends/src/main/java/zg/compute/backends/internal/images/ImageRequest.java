package zg.compute.backends.internal.images;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One validated images request (generation or edit), read from the OpenAI JSON body or, for edits, from a
 * multipart form. Validation happens here, on the event loop, and is cheap; the image bytes themselves are read
 * and decoded later, on a worker ({@link Source#bytes()}).
 *
 * @param prompt     the prompt, as sent
 * @param requestedN {@code n} as requested (default 1)
 * @param n          images that will be returned: {@code min(requestedN, MAX_N)}
 * @param size       the requested output size, or null: generations then use {@link #DEFAULT_SIZE}, edits the
 *                   input's size (scaled down to fit 1024×1024)
 * @param image      edits: the input image; generations: null
 * @param mask       edits: the optional mask; else null
 */
public record ImageRequest(String prompt, int requestedN, int n, Size size, Source image, Source mask) {

    /** Images per request at most; a larger {@code n} is clamped (the spec allows returning fewer). */
    public static final int MAX_N = 4;
    public static final List<Size> SIZES = List.of(new Size(256, 256), new Size(512, 512), new Size(1024, 1024));
    public static final Size DEFAULT_SIZE = new Size(512, 512);
    public static final int MAX_PROMPT_CHARS = 4000;
    /** Longest multipart {@code n} value read; longer is refused like a duplicate. */
    private static final int MAX_N_FIELD_CHARS = 8;
    private static final List<String> SCALARS = List.of("prompt", "model", "n", "size", "response_format");

    public record Size(int width, int height) {
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /** Where the bytes of an input image come from. */
    public sealed interface Source permits FileSource, Base64Source {
        byte[] bytes() throws IOException, BadImageRequest;

        String field();
    }

    /** A multipart upload stored by the body handler. */
    public record FileSource(String field, Path path) implements Source {
        @Override
        public byte[] bytes() throws IOException {
            return Files.readAllBytes(path);
        }
    }

    /** Base64 or a data URI from a JSON body (or a multipart text field). */
    public record Base64Source(String field, String value) implements Source {
        @Override
        public byte[] bytes() throws BadImageRequest {
            return ImageDecoder.base64(value, field);
        }
    }

    /** {@code POST /images/generations}: {@code {model, prompt, n?, size?, response_format?, …}}. */
    public static ImageRequest generation(JsonObject body) throws BadImageRequest {
        return common(body::getValue, null, null);
    }

    /** {@code POST /images/edits} as JSON: {@code {image, prompt, mask?, n?, size?, response_format?, …}}. */
    public static ImageRequest editJson(JsonObject body) throws BadImageRequest {
        Source image = jsonImage(body.getValue("image"), "image");
        if (image == null) {
            throw new BadImageRequest("`image` is required (base64 or a data URI)");
        }
        return common(body::getValue, image, jsonImage(body.getValue("mask"), "mask"));
    }

    /**
     * {@code POST /images/edits} as multipart: file {@code image} (or {@code image[]}), optional file
     * {@code mask}, fields {@code prompt, model, n, size, response_format}. A field sent twice is refused: the
     * broker bills by {@code n}, so it must have exactly one reading.
     */
    public static ImageRequest editMultipart(MultiMap form, List<FileUpload> uploads) throws BadImageRequest {
        for (String name : SCALARS) {
            List<String> values = form.getAll(name);
            if (values.size() > 1 || ("n".equals(name) && !values.isEmpty()
                    && values.get(0).strip().length() > MAX_N_FIELD_CHARS)) {
                throw new BadImageRequest("`" + name + "` could not be read unambiguously");
            }
        }
        Source image = upload(uploads, form, "image", "image[]");
        if (image == null) {
            throw new BadImageRequest("`image` is required: a PNG or JPEG file part named image");
        }
        Source mask = upload(uploads, form, "mask");
        return common(form::get, image, mask);
    }

    private interface Fields {
        Object get(String name);
    }

    private static ImageRequest common(Fields f, Source image, Source mask) throws BadImageRequest {
        Object promptValue = f.get("prompt");
        if (promptValue == null || (promptValue instanceof String s && s.isBlank())) {
            throw new BadImageRequest("`prompt` is required");
        }
        if (!(promptValue instanceof String prompt)) {
            throw new BadImageRequest("`prompt` must be a string");
        }
        if (prompt.length() > MAX_PROMPT_CHARS) {
            throw new BadImageRequest("`prompt` is " + prompt.length() + " characters; at most " + MAX_PROMPT_CHARS
                    + " are accepted");
        }
        int requested = n(f.get("n"));
        Size size = size(f.get("size"));
        Object format = f.get("response_format");
        if (format != null && !"b64_json".equals(format)) {
            if ("url".equals(format)) {
                throw new BadImageRequest("response_format `url` is not supported: this development server returns "
                        + "b64_json only (the broker asks upstreams for b64_json and hosts url images itself)");
            }
            throw new BadImageRequest("`response_format` must be b64_json (got " + describe(format) + ")");
        }
        return new ImageRequest(prompt, requested, Math.min(requested, MAX_N), size, image, mask);
    }

    private static int n(Object value) throws BadImageRequest {
        if (value == null) {
            return 1;
        }
        long n;
        if (value instanceof Number num) {
            double d = num.doubleValue();
            if (d != Math.rint(d) || Double.isInfinite(d)) {
                throw new BadImageRequest("`n` must be a whole number (got " + num + ")");
            }
            n = d > Integer.MAX_VALUE ? Integer.MAX_VALUE : (long) d;
        } else if (value instanceof String s && s.strip().matches("-?\\d{1,9}")) {
            n = Long.parseLong(s.strip());
        } else {
            throw new BadImageRequest("`n` must be a whole number (got " + describe(value) + ")");
        }
        if (n < 1) {
            throw new BadImageRequest("`n` must be at least 1 (got " + n + ")");
        }
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    private static Size size(Object value) throws BadImageRequest {
        if (value == null || "auto".equals(value)) {
            return null;
        }
        for (Size s : SIZES) {
            if (s.toString().equals(value)) {
                return s;
            }
        }
        List<String> names = new ArrayList<>();
        SIZES.forEach(s -> names.add(s.toString()));
        throw new BadImageRequest("`size` must be one of " + String.join(", ", names) + " or auto (got "
                + describe(value) + ")");
    }

    private static Source jsonImage(Object value, String field) throws BadImageRequest {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s) || s.isBlank()) {
            throw new BadImageRequest("`" + field + "` must be a base64 string or a data URI");
        }
        return new Base64Source(field, s);
    }

    private static Source upload(List<FileUpload> uploads, MultiMap form, String... names) throws BadImageRequest {
        List<FileUpload> found = new ArrayList<>();
        int textFields = 0;
        for (String name : names) {
            for (FileUpload u : uploads) {
                if (u.name().equals(name)) {
                    found.add(u);
                }
            }
            textFields += form.getAll(name).size();
        }
        if (found.size() + textFields > 1) {
            throw new BadImageRequest("`" + names[0] + "` was sent more than once; exactly one is accepted");
        }
        if (found.size() == 1) {
            return new FileSource(names[0], Path.of(found.get(0).uploadedFileName()));
        }
        for (String name : names) {
            String text = form.get(name);
            if (text != null && !text.isBlank()) {
                return new Base64Source(names[0], text);
            }
        }
        return null;
    }

    private static String describe(Object value) {
        String s = value instanceof String str ? "\"" + str + "\"" : value instanceof Map<?, ?> || value
                instanceof JsonObject ? "an object" : String.valueOf(value);
        s = s.replaceAll("\\s+", " ");
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

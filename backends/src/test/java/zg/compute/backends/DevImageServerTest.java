package zg.compute.backends;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DevImageServer over real HTTP: the images it returns, determinism, edits (multipart and JSON), errors. */
class DevImageServerTest {

    private static Vertx vertx;
    private static DevImageServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        server = DevImageServer.start(vertx, 0);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        vertx.close().await();
    }

    // ---------------------------------------------------------------------------------------------- generations

    @Test
    void generationsReturnsNDecodablePngsOfTheRequestedSize() throws Exception {
        long before = Instant.now().getEpochSecond();
        HttpResponse<String> r = postJson("/images/generations?wait=true", new JsonObject().put("model", "dev")
                .put("prompt", "a red fox in the snow").put("n", 3).put("size", "256x256")
                .put("response_format", "b64_json"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getLong("created")).isBetween(before, Instant.now().getEpochSecond());
        JsonArray data = body.getJsonArray("data");
        assertThat(data).hasSize(3);
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < data.size(); i++) {
            JsonObject item = data.getJsonObject(i);
            assertThat(item.getString("revised_prompt")).isEqualTo("a red fox in the snow");
            byte[] png = Base64.getDecoder().decode(item.getString("b64_json"));
            assertThat(png).startsWith(0x89, 'P', 'N', 'G');
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(img.getWidth()).isEqualTo(256);
            assertThat(img.getHeight()).isEqualTo(256);
            distinct.add(item.getString("b64_json"));
        }
        assertThat(distinct).as("each image index draws differently").hasSize(3);
    }

    @Test
    void defaultsToOneImageOf512AndClampsNToFour() throws Exception {
        List<BufferedImage> one = images(postJson("/images/generations", new JsonObject().put("prompt", "x")));
        assertThat(one).hasSize(1);
        assertThat(one.get(0).getWidth()).isEqualTo(512);
        assertThat(one.get(0).getHeight()).isEqualTo(512);

        List<BufferedImage> clamped = images(postJson("/images/generations",
                new JsonObject().put("prompt", "x").put("n", 9).put("size", "256x256")));
        assertThat(clamped).hasSize(4);

        List<BufferedImage> big = images(postJson("/images/generations",
                new JsonObject().put("prompt", "x").put("size", "1024x1024")));
        assertThat(big.get(0).getWidth()).isEqualTo(1024);
    }

    @Test
    void samePromptGivesSameBytesAndADifferentPromptDifferentBytes() throws Exception {
        JsonObject req = new JsonObject().put("prompt", "a lighthouse at dusk").put("n", 2).put("size", "256x256");
        JsonArray a = data(postJson("/images/generations", req));
        JsonArray b = data(postJson("/images/generations", req.copy().put("model", "another-name")));
        JsonArray c = data(postJson("/images/generations", req.copy().put("prompt", "a lighthouse at dawn")));

        assertThat(b.getJsonObject(0).getString("b64_json")).isEqualTo(a.getJsonObject(0).getString("b64_json"));
        assertThat(b.getJsonObject(1).getString("b64_json")).isEqualTo(a.getJsonObject(1).getString("b64_json"));
        assertThat(c.getJsonObject(0).getString("b64_json")).isNotEqualTo(a.getJsonObject(0).getString("b64_json"));
    }

    @Test
    void theLabelAndThePromptAreDrawnIn() throws Exception {
        BufferedImage shortPrompt = images(postJson("/images/generations",
                new JsonObject().put("prompt", "hi").put("size", "512x512"))).get(0);
        BufferedImage longPrompt = images(postJson("/images/generations", new JsonObject().put("size", "512x512")
                .put("prompt", "a very long prompt about a castle on a hill with dragons flying over it at night"))).get(0);

        for (BufferedImage img : List.of(shortPrompt, longPrompt)) {
            assertThat(distinctColours(img)).as("not a flat image").isGreaterThan(100);
            int band = img.getHeight() / 14;
            assertThat(count(img, 0, 0, img.getWidth(), band, DevImageServerTest::isLabelYellow))
                    .as("yellow label text in the top band").isGreaterThan(200);
            assertThat(count(img, 0, 0, img.getWidth(), band, p -> p == 0x000000))
                    .as("black label band").isGreaterThan(img.getWidth() * band / 2);
        }
        // Backgrounds and shapes never reach near-white; the prompt is written in white.
        int whiteShort = count(shortPrompt, 0, 0, 512, 512, DevImageServerTest::isNearWhite);
        int whiteLong = count(longPrompt, 0, 0, 512, 512, DevImageServerTest::isNearWhite);
        assertThat(whiteShort).as("prompt text pixels").isGreaterThan(20);
        assertThat(whiteLong).as("a longer prompt draws more text").isGreaterThan(whiteShort * 5);
    }

    @Test
    void parallelRequestsAllSucceedAndStayDeterministic() throws Exception {
        String body = new JsonObject().put("prompt", "parallel").put("n", 2).put("size", "256x256").encode();
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(http.sendAsync(request("/images/generations", "application/json",
                    body.getBytes(StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString()));
        }
        Set<String> firstImages = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            firstImages.add(data(r).getJsonObject(0).getString("b64_json"));
        }
        assertThat(firstImages).hasSize(1);
    }

    // ---------------------------------------------------------------------------------------------- edits

    @Test
    void editViaMultipartScalesTheInputAndKeepsItAwayFromTheText() throws Exception {
        BufferedImage input = halves(200, 100, new Color(200, 30, 40), new Color(20, 60, 190));
        HttpResponse<String> r = post("/images/edits", multipart(List.of(
                Part.file("image", "in.png", "image/png", png(input)),
                Part.field("prompt", "add a hat"), Part.field("model", "dev"), Part.field("n", "2"),
                Part.field("size", "512x512"), Part.field("response_format", "b64_json"))));

        List<BufferedImage> out = images(r);
        assertThat(out).hasSize(2);
        for (BufferedImage img : out) {
            assertThat(img.getWidth()).isEqualTo(512);
            assertThat(img.getHeight()).isEqualTo(512);
            assertThat(new Color(img.getRGB(128, 256))).isEqualTo(new Color(200, 30, 40));
            assertThat(new Color(img.getRGB(384, 256))).isEqualTo(new Color(20, 60, 190));
            assertThat(count(img, 0, 0, 512, 512 / 14, DevImageServerTest::isLabelYellow)).isGreaterThan(200);
            assertThat(count(img, 0, 256, 512, 256, DevImageServerTest::isNearWhite)).as("prompt text").isGreaterThan(20);
        }
    }

    @Test
    void editViaJsonKeepsTheInputSizeWithoutSizeAndAcceptsADataUri() throws Exception {
        BufferedImage input = halves(300, 240, new Color(10, 160, 90), new Color(230, 200, 10));
        String b64 = Base64.getEncoder().encodeToString(png(input));
        JsonArray plain = data(postJson("/images/edits", new JsonObject().put("image", b64).put("prompt", "sunset")));
        JsonArray dataUri = data(postJson("/images/edits",
                new JsonObject().put("image", "data:image/png;base64," + b64).put("prompt", "sunset")));

        BufferedImage img = decode(plain.getJsonObject(0).getString("b64_json"));
        assertThat(img.getWidth()).isEqualTo(300);
        assertThat(img.getHeight()).isEqualTo(240);
        assertThat(img.getRGB(40, 120)).isEqualTo(input.getRGB(40, 120));
        assertThat(img.getRGB(260, 120)).isEqualTo(input.getRGB(260, 120));
        assertThat(img.getRGB(40, 2)).as("the label band covers the top").isNotEqualTo(input.getRGB(40, 2));
        assertThat(dataUri.getJsonObject(0).getString("b64_json")).isEqualTo(plain.getJsonObject(0).getString("b64_json"));
    }

    @Test
    void editAcceptsAJpegUpload() throws Exception {
        BufferedImage input = halves(320, 200, new Color(200, 30, 40), new Color(20, 60, 190));
        BufferedImage img = images(post("/images/edits", multipart(List.of(
                Part.file("image", "photo.jpg", "image/jpeg", jpeg(input)), Part.field("prompt", "x"))))).get(0);

        assertThat(img.getWidth()).isEqualTo(320);
        assertThat(img.getHeight()).isEqualTo(200);
        Color kept = new Color(img.getRGB(60, 100));  // JPEG is lossy: close to the input, not equal
        assertThat(kept.getRed()).isBetween(185, 215);
        assertThat(kept.getGreen()).isBetween(15, 45);
        assertThat(kept.getBlue()).isBetween(25, 55);
    }

    @Test
    void editWithAMaskChangesOnlyTheTransparentArea() throws Exception {
        BufferedImage input = halves(256, 256, new Color(120, 120, 120), new Color(120, 120, 120));
        BufferedImage mask = new BufferedImage(256, 256, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = mask.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, 256, 256);
        g.setComposite(java.awt.AlphaComposite.Clear);
        g.fillRect(0, 0, 128, 256);  // left half transparent: the area to edit
        g.dispose();

        BufferedImage img = images(post("/images/edits", multipart(List.of(
                Part.file("image", "in.png", "image/png", png(input)),
                Part.file("mask", "mask.png", "image/png", png(mask)),
                Part.field("prompt", "paint it"))))).get(0);

        assertThat(img.getRGB(64, 128)).as("masked (transparent) area is edited").isNotEqualTo(input.getRGB(64, 128));
        assertThat(img.getRGB(192, 128)).as("opaque area is kept").isEqualTo(input.getRGB(192, 128));
    }

    // ---------------------------------------------------------------------------------------------- errors

    @Test
    void generationErrorsAreOneLine400s() throws Exception {
        assertError(postJson("/images/generations", new JsonObject().put("model", "dev")), 400, "`prompt` is required");
        assertError(postJson("/images/generations", new JsonObject().put("prompt", "  ")), 400, "`prompt` is required");
        assertError(postJson("/images/generations", new JsonObject().put("prompt", "x").put("size", "300x300")),
                400, "`size` must be one of 256x256, 512x512, 1024x1024");
        assertError(postJson("/images/generations", new JsonObject().put("prompt", "x").put("response_format", "url")),
                400, "b64_json only");
        assertError(postJson("/images/generations", new JsonObject().put("prompt", "x").put("n", 0)),
                400, "`n` must be at least 1");
        assertError(postJson("/images/generations", new JsonObject().put("prompt", "x").put("n", 1.5)),
                400, "`n` must be a whole number");
        assertError(post("/images/generations", "application/json", "{\"prompt\":".getBytes(StandardCharsets.UTF_8)),
                400, "not a JSON object");
        assertError(post("/images/generations", "application/json", new byte[0]), 400, "request body is required");
        assertError(post("/images/generations", multipart(List.of(Part.field("prompt", "x")))),
                400, "takes a JSON body, not multipart/form-data");
    }

    @Test
    void editErrorsAreOneLine400s() throws Exception {
        byte[] png = png(halves(64, 64, Color.RED, Color.BLUE));
        assertError(post("/images/edits", multipart(List.of(Part.file("image", "a.png", "image/png", png),
                        Part.field("prompt", "x"), Part.field("n", "1"), Part.field("n", "3")))),
                400, "`n` could not be read unambiguously");
        assertError(post("/images/edits", multipart(List.of(Part.file("image", "a.png", "image/png", png),
                        Part.field("prompt", "x"), Part.field("n", "0000000001")))),
                400, "`n` could not be read unambiguously");
        assertError(post("/images/edits", multipart(List.of(
                        Part.file("image", "notes.png", "image/png", "just some text".getBytes(StandardCharsets.UTF_8)),
                        Part.field("prompt", "x")))),
                400, "`image` is not a PNG or JPEG image");
        byte[] truncated = java.util.Arrays.copyOf(png, 40);
        assertError(post("/images/edits", multipart(List.of(Part.file("image", "a.png", "image/png", truncated),
                Part.field("prompt", "x")))), 400, "`image` could not be decoded as PNG");
        assertError(post("/images/edits", multipart(List.of(Part.field("prompt", "x")))), 400, "`image` is required");
        assertError(post("/images/edits", multipart(List.of(Part.file("image", "a.png", "image/png", png)))),
                400, "`prompt` is required");
        assertError(post("/images/edits", multipart(List.of(Part.file("image", "a.png", "image/png", png),
                Part.field("prompt", "x"), Part.field("response_format", "url")))), 400, "b64_json only");
        assertError(postJson("/images/edits", new JsonObject().put("image", "%%%not base64").put("prompt", "x")),
                400, "`image` is not valid base64");
        assertError(postJson("/images/edits", new JsonObject().put("prompt", "x")), 400, "`image` is required");
        assertError(post("/images/edits", multipart(List.of(Part.file("image", "a.png", "image/png", png),
                Part.file("mask", "m.png", "image/png", png), Part.field("prompt", "x")))),
                400, "`mask` must be a PNG with an alpha channel");
    }

    @Test
    void requestsBeyondTheAdmissionLimitGet503WithRetryAfter() throws Exception {
        try (DevImageServer one = DevImageServer.start(vertx, 0,
                new DevImageServer.Options(1 << 20, 1 << 20, 1, 1))) {
            byte[] body = new JsonObject().put("prompt", "slow").put("n", 4).put("size", "1024x1024").encode()
                    .getBytes(StandardCharsets.UTF_8);
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(http.sendAsync(HttpRequest.newBuilder(URI.create(one.baseUrl() + "/images/generations"))
                        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            int busy = 0;
            for (CompletableFuture<HttpResponse<String>> f : futures) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertError(r, 503, "busy");
                    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                    busy++;
                }
            }
            assertThat(ok).isGreaterThanOrEqualTo(1);
            assertThat(busy).as("one request renders at a time; the rest are turned away").isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void bodiesAboveTheLimitGet413() throws Exception {
        try (DevImageServer small = DevImageServer.start(vertx, 0,
                DevImageServer.Options.defaults().withMaxBodyBytes(64 * 1024))) {
            byte[] big = new byte[100 * 1024];
            java.util.Arrays.fill(big, (byte) 'a');
            String prompt = new String(big, StandardCharsets.US_ASCII);
            assertError(send(small, "/images/generations", "application/json",
                    new JsonObject().put("prompt", prompt).encode().getBytes(StandardCharsets.UTF_8)),
                    413, "request body too large");
            Multipart mp = multipart(List.of(Part.file("image", "a.png", "image/png", big), Part.field("prompt", "x")));
            assertError(send(small, "/images/edits", mp.contentType(), mp.body()), 413, "request body too large");

            // Under the limit the same server works.
            assertThat(images(send(small, "/images/generations", "application/json",
                    new JsonObject().put("prompt", "fits").put("size", "256x256").encode()
                            .getBytes(StandardCharsets.UTF_8)))).hasSize(1);
        }
    }

    @Test
    void describesItselfAsADevelopmentRendererAndServesUnderV1() {
        assertThat(server.description()).contains("DEVELOPMENT").contains("not a model");
        assertThat(server.baseUrl()).startsWith("http://127.0.0.1:").endsWith("/v1");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static void assertError(HttpResponse<String> r, int status, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        String message = error.getString("message");
        assertThat(message).contains(messagePart).doesNotContain("\n").doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(error.getString("type")).isNotBlank();
    }

    private static HttpResponse<String> postJson(String path, JsonObject body) throws IOException, InterruptedException {
        return post(path, "application/json", body.encode().getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> post(String path, Multipart mp) throws IOException, InterruptedException {
        return post(path, mp.contentType(), mp.body());
    }

    private static HttpResponse<String> post(String path, String type, byte[] body)
            throws IOException, InterruptedException {
        return send(server, path, type, body);
    }

    private static HttpResponse<String> send(DevImageServer s, String path, String type, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String path, String type, byte[] body) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static JsonArray data(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getJsonArray("data");
    }

    private static List<BufferedImage> images(HttpResponse<String> r) throws IOException {
        List<BufferedImage> out = new ArrayList<>();
        for (Object o : data(r)) {
            out.add(decode(((JsonObject) o).getString("b64_json")));
        }
        return out;
    }

    private static BufferedImage decode(String b64) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b64)));
        assertThat(img).as("decodable image").isNotNull();
        return img;
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, "png", out)).isTrue();
        return out.toByteArray();
    }

    private static byte[] jpeg(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, "jpeg", out)).isTrue();
        return out.toByteArray();
    }

    private static BufferedImage halves(int w, int h, Color left, Color right) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(left);
        g.fillRect(0, 0, w / 2, h);
        g.setColor(right);
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        return img;
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                colours.add(img.getRGB(x, y) & 0xffffff);
            }
        }
        return colours.size();
    }

    private interface PixelTest {
        boolean test(int rgb);
    }

    private static int count(BufferedImage img, int x0, int y0, int w, int h, PixelTest t) {
        int n = 0;
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                if (t.test(img.getRGB(x, y) & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static boolean isNearWhite(int rgb) {
        return ((rgb >> 16) & 0xff) >= 240 && ((rgb >> 8) & 0xff) >= 240 && (rgb & 0xff) >= 240;
    }

    private static boolean isLabelYellow(int rgb) {
        return ((rgb >> 16) & 0xff) >= 200 && ((rgb >> 8) & 0xff) >= 160 && (rgb & 0xff) <= 60;
    }

    private record Part(String name, String filename, String type, byte[] content) {
        static Part field(String name, String value) {
            return new Part(name, null, null, value.getBytes(StandardCharsets.UTF_8));
        }

        static Part file(String name, String filename, String type, byte[] content) {
            return new Part(name, filename, type, content);
        }
    }

    private record Multipart(String contentType, byte[] body) {
    }

    private static Multipart multipart(List<Part> parts) throws IOException {
        String boundary = "----zgtest" + parts.size() + "boundary7MA4YWxkTrZu0gW";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part p : parts) {
            StringBuilder h = new StringBuilder("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(p.name()).append('"');
            if (p.filename() != null) {
                h.append("; filename=\"").append(p.filename()).append('"');
            }
            h.append("\r\n");
            if (p.type() != null) {
                h.append("Content-Type: ").append(p.type()).append("\r\n");
            }
            h.append("\r\n");
            out.write(h.toString().getBytes(StandardCharsets.UTF_8));
            out.write(p.content());
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return new Multipart("multipart/form-data; boundary=" + boundary, out.toByteArray());
    }
}

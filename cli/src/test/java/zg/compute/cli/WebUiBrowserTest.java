package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import zg.compute.backends.SpeechSynthesizer;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.protocol.units.Units;

/**
 * The web UI in a real browser: one devnet with every service type, {@code web-ui start-web} through the command,
 * and {@code webui/e2e/flow.mjs} driving Debian's headless chromium with playwright-core (never a downloaded
 * browser) through deposit → transfer → streamed chat → verified badge → image (generate and edit) →
 * transcription → embeddings → API key → refund, then every page for axe-core, console errors and overflow at
 * 390 px. Screenshots land in {@code cli/target/webui-screenshots}. The chain is checked here, not only the page.
 */
class WebUiBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void aFirstSessionInTheBrowser() throws Exception {
        Path repo = Path.of(System.getProperty("zg.repo.dir", "..")).toAbsolutePath().normalize();
        Path webui = repo.resolve("webui");
        boolean ready = Files.isExecutable(CHROMIUM) && Files.isDirectory(webui.resolve("node_modules/playwright-core"))
                && SpeechSynthesizer.missingTools().isEmpty();
        if (!ready && "true".equals(System.getenv("CI"))) {
            fail("CI must run the browser test: needs /usr/bin/chromium (apt chromium), webui/node_modules (npm ci "
                    + "in webui/) and espeak-ng");
        }
        Assumptions.assumeTrue(ready, "no chromium, webui/node_modules or espeak-ng here");

        Path dir = Files.createTempDirectory("webui-browser");
        Path wav = Files.write(dir.resolve("hello.wav"), SpeechSynthesizer.speak("hello world"));
        Path png = dir.resolve("square.png");
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(8, 8, 48, 48);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
        Path out = Path.of("target/webui-screenshots").toAbsolutePath();

        // settles every 2 s, so the history page has fees settled on chain to chart
        try (DevnetStack stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofSeconds(2), null, null, null,
                null, true), line -> { })) {
            Path home = dir.resolve("home");
            CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
            BigInteger walletBefore = stack.devnet().chain().balanceOf(stack.user().address());
            try (BackgroundCli web = BackgroundCli.start(cli, "web-ui", "start-web", "-p", "0")) {
                Matcher m = Pattern.compile("Open (http://\\S+/#token=[0-9a-f]+)")
                        .matcher(web.awaitOutput("#token=", Duration.ofSeconds(60)));
                assertThat(m.find()).isTrue();

                ProcessBuilder pb = new ProcessBuilder("node", "e2e/flow.mjs").directory(webui.toFile())
                        .redirectError(dir.resolve("flow.err").toFile()).redirectOutput(dir.resolve("flow.out").toFile());
                pb.environment().put("ZG_WEBUI_URL", m.group(1));
                pb.environment().put("ZG_OUT", out.toString());
                pb.environment().put("ZG_AUDIO", wav.toString());
                pb.environment().put("ZG_IMAGE", png.toString());
                Process p = pb.start();
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("the browser flow took over 5 minutes: " + read(dir.resolve("flow.err")));
                }
                assertThat(p.exitValue()).as("flow.mjs: %s\n%s", read(dir.resolve("flow.err")), web.err()).isZero();
                String[] lines = read(dir.resolve("flow.out")).strip().split("\n");
                JsonNode s = JSON.readTree(lines[lines.length - 1]);

                assertThat(s.path("consoleErrors")).as("console errors").isEmpty();
                assertThat(s.path("overflow")).as("pages wider than the window").isEmpty();
                List<String> serious = new ArrayList<>();
                s.path("axe").fields().forEachRemaining(e -> e.getValue().forEach(v -> {
                    if (List.of("serious", "critical").contains(v.path("impact").asText())) {
                        serious.add(e.getKey() + ": " + v.path("id").asText() + " — " + v.path("help").asText());
                    }
                }));
                assertThat(serious).as("serious or critical accessibility violations").isEmpty();
                assertThat(s.path("axe").size()).as("every page at two widths, and in the dark theme").isEqualTo(27);
                assertThat(s.path("transcript").asText().toLowerCase()).contains("hello");
                // the refused message's status line: the provider's words in one line, no JSON
                assertThat(s.path("refusedChat").asText()).startsWith("provider ").contains("no-such-model")
                        .doesNotContain("{").doesNotContain("null");
                for (JsonNode shot : s.path("screenshots")) {
                    assertThat(Path.of(shot.asText())).isNotEmptyFile();
                }

                // what the page did is on chain: +1 deposited, 1 moved to a provider, 0.5 withdrawn to the wallet
                // (less the fees settled meanwhile: well under 0.01 0G for one chat, two images, a few seconds of audio)
                // (devnet up funds 3 0G per inference provider, 3 0G for its fine-tuning provider, and keeps 4 unallocated)
                BigInteger expected = Units.og(stack.providers().size() * 3L + (stack.fineTuning().isPresent() ? 3 : 0)
                        + 4 + 1).subtract(Units.og(1).shiftRight(1));
                try (var broker = InferenceServeTest.userBroker(stack)) {
                    assertThat(broker.ledger().getLedger().totalBalance()).isLessThanOrEqualTo(expected)
                            .isGreaterThan(expected.subtract(Units.og(1).divide(BigInteger.valueOf(100))));
                }
                assertThat(stack.devnet().chain().balanceOf(stack.user().address())).isGreaterThan(
                        walletBefore.subtract(Units.og(1)));
                // the key's slot is in the record the CLI reads
                assertThat(read(cli.configDir().resolve("api-keys.json"))).contains("\"label\" : \"browser test\"");
                // 45-90 s here; the bound leaves room for a CI machine shared with other builds
                assertThat(s.path("ms").asLong()).as("the flow stays quick").isLessThan(240_000);
                assertThat(web.stop()).isZero();
            }
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}

package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.devnet.Devnet;

/**
 * Interop: the OFFICIAL npm SDK 0.9.0 pays the devnet's text-to-image, image-editing and speech-to-text providers
 * ({@code interop/service-types.mjs}): getRequestHeaders, the request, {@code processResponse} with the content the
 * SDK documents per type returns true (the signature our broker stored recovers to the TEE signer the official code
 * expects), the fee the SDK caches equals what our broker bills, and that fee is settled on chain.
 */
class OfficialSdkServiceTypesInteropTest {

    @Test
    void officialSdkPaysVerifiesAndCachesTheBilledFeeForImagesAndSpeech(@TempDir Path dir) throws Exception {
        Path interop = OfficialSdkInteropTest.interopDir();
        try (DevnetStack stack = DevnetStack.start(DevnetServiceTypesTest.allTypes(Duration.ofSeconds(1), null, null).withFineTuning(false),
                line -> { })) {
            Devnet d = stack.devnet();
            var image = provider(stack, "text-to-image");
            var edit = provider(stack, "image-editing");
            var speech = stack.providers().stream().filter(e -> e.type().equals("speech-to-text")).findFirst();
            Path wav = Files.write(dir.resolve("silence.wav"), DevnetServiceTypesTest.silentWav(2));
            Path png = Files.write(dir.resolve("input.png"), png(64));

            List<String> args = new ArrayList<>(List.of("service-types.mjs", d.rpcUrl(), d.contracts().ledger().proxy(),
                    d.contracts().inference().proxy(), d.contracts().fineTuning().proxy(),
                    "text-to-image=" + image.address(), "image-editing=" + edit.address(), "png=" + png));
            speech.ifPresent(s -> {
                args.add("speech-to-text=" + s.address());
                args.add("wav=" + wav);
            });
            var run = OfficialSdkInteropTest.runNode(interop, dir, stack.user().privateKey(), Duration.ofSeconds(120),
                    args.toArray(String[]::new));
            JsonNode s = run.summary();
            assertThat(s.path("ok").asBoolean()).as(run.output()).isTrue();

            // text-to-image: two images at outputPrice each; the SDK caches n × inputPrice (= outputPrice on the devnet)
            JsonNode img = s.at("/results/text-to-image");
            assertThat(img.path("processResponse").asBoolean()).isTrue();
            assertThat(img.path("images").asInt()).isEqualTo(2);
            BigInteger imageFee = image.outputPrice().multiply(BigInteger.TWO);
            assertThat(new BigInteger(img.path("cachedFee").asText())).isEqualTo(imageFee);
            DevnetServiceTypesTest.assertSettled(d, stack, image, imageFee);

            JsonNode ed = s.at("/results/image-editing");
            assertThat(ed.path("processResponse").asBoolean()).isTrue();
            assertThat(ed.path("images").asInt()).isEqualTo(1);
            assertThat(new BigInteger(ed.path("cachedFee").asText())).isEqualTo(edit.outputPrice());
            DevnetServiceTypesTest.assertSettled(d, stack, edit, edit.outputPrice());

            // speech-to-text, duration-billed: round(2 s) × inputPrice, computed by the official SDK as by our broker
            if (speech.isPresent()) {
                JsonNode stt = s.at("/results/speech-to-text");
                assertThat(stt.path("processResponse").asBoolean()).isTrue();
                assertThat(stt.at("/usage/type").asText()).isEqualTo("duration");
                BigInteger sttFee = speech.get().inputPrice().multiply(BigInteger.TWO);
                assertThat(new BigInteger(stt.path("cachedFee").asText())).isEqualTo(sttFee);
                DevnetServiceTypesTest.assertSettled(d, stack, speech.get(), sttFee);
            } else {
                assertThat(zg.compute.backends.SpeechToTextServer.missingTools()).isNotEmpty();
            }
        }
    }

    private static DevnetStack.ProviderEntry provider(DevnetStack stack, String type) {
        return stack.providers().stream().filter(e -> e.type().equals(type)).findFirst().orElseThrow();
    }

    private static byte[] png(int size) throws Exception {
        BufferedImage im = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                im.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 0x40);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, "png", out);
        return out.toByteArray();
    }
}

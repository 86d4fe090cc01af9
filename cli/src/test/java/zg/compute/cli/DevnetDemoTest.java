package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.backends.SpeechSynthesizer;
import zg.compute.backends.SpeechToTextServer;

/** README command 1's demo: the seed flow through the Java SDK against a fresh devnet, exit 0. */
class DevnetDemoTest {

    @Test
    void demoRunsTheSeedFlowAnImageAndATranscriptionVerifiesEachAndSettles(@TempDir Path home) throws Exception {
        // ./devnet.json of a `devnet up` running beside the demo stays as it is
        Path running = home.resolve("devnet.json");
        Files.writeString(running, "{\"rpcUrl\":\"http://127.0.0.1:8545\"}");
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("devnet", "demo", "--port", "0");
        assertThat(running).hasContent("{\"rpcUrl\":\"http://127.0.0.1:8545\"}");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("[demo 1] listService")
                .contains("[demo 5] getRequestHeaders + streamed chat completion")
                .containsPattern("processResponse → VERIFIED(?s).*processResponse → VERIFIED")
                .contains("sub-account 3 0G →")
                .contains("images().generate on the text-to-image provider")
                .containsPattern("1 PNG\\(s\\), \\d+ bytes")
                .contains("TEE signature over sha256(request):sha256(each decoded image)")
                .contains("everything stopped");
        boolean speech = SpeechToTextServer.missingTools().isEmpty() && SpeechSynthesizer.missingTools().isEmpty();
        if (speech) {
            // the real recogniser hears most of the synthesised sentence
            assertThat(r.out()).contains("audio().transcribe on the speech-to-text provider")
                    .containsPattern("heard by pocketsphinx: \"[^\"]*(quick|brown|fox|lazy|dog)")
                    .contains("✓ demo complete: 4 responses verified");
        } else {
            assertThat(r.out()).contains("✓ demo complete: 3 responses verified");
        }
        assertThat(r.out().lines().filter(l -> l.contains("processResponse → VERIFIED")).count())
                .isEqualTo(speech ? 4 : 3);
    }
}

package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README command 1's demo: the seed flow through the Java SDK against a fresh devnet, exit 0. */
class DevnetDemoTest {

    @Test
    void demoRunsTheSeedFlowVerifiesBothResponsesAndSettles(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("devnet", "demo", "--port", "0");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("[demo 1] listService")
                .contains("[demo 5] getRequestHeaders + streamed chat completion")
                .containsPattern("processResponse → VERIFIED(?s).*processResponse → VERIFIED")
                .contains("sub-account 3 0G →")
                .contains("✓ demo complete: both responses verified")
                .contains("everything stopped");
    }
}

package examples;

import java.nio.file.Files;
import java.nio.file.Path;
import zg.compute.sdk.TranscriptionOptions;
import zg.compute.sdk.TranscriptionResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Speech to text: espeak-ng speaks a sentence (sox makes it 16 kHz mono), the devnet's pocketsphinx provider
 * transcribes it, verified and paid. Pass a WAV file to transcribe that instead.
 */
public final class Transcription {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("speech-to-text");
        Path wav = args.length > 0 ? Path.of(args[0]) : speak("The quick brown fox jumps over the lazy dog.");
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            TranscriptionResult t = broker.inference().audio().transcribe(provider, wav, TranscriptionOptions.defaults());
            System.out.println("text: " + t.text());
            System.out.println("verification: " + t.verification() + ", fee " + t.fee() + " neuron");
        }
    }

    private static Path speak(String sentence) throws Exception {
        Path raw = Files.createTempFile("espeak", ".wav");
        Path wav = Files.createTempFile("speech", ".wav");
        run("espeak-ng", "-w", raw.toString(), sentence);
        run("sox", "-D", raw.toString(), "-r", "16000", "-c", "1", "-b", "16", wav.toString());
        return wav;
    }

    private static void run(String... command) throws Exception {
        if (new ProcessBuilder(command).inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException(command[0] + " failed (Debian packages espeak-ng, sox); pass a WAV file");
        }
    }
}

package examples;

import java.nio.file.Files;
import java.nio.file.Path;
import zg.compute.sdk.TranscriptionOptions;
import zg.compute.sdk.TranscriptionResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** Speech to text: espeak-ng speaks a sentence into a WAV, the devnet's pocketsphinx provider transcribes it. */
public final class Transcription {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("speech-to-text");
        Path wav = args.length > 0 ? Path.of(args[0]) : Files.createTempFile("speech", ".wav");
        if (args.length == 0) {
            Process p = new ProcessBuilder("espeak-ng", "-w", wav.toString(), "the weather is nice today")
                    .inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("espeak-ng failed; pass a WAV file as the argument instead");
            }
        }
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            TranscriptionResult t = broker.inference().audio().transcribe(provider, wav, TranscriptionOptions.defaults());
            System.out.println("text: " + t.text());
            System.out.println("verification: " + t.verification() + ", fee " + t.fee() + " neuron");
        }
    }
}

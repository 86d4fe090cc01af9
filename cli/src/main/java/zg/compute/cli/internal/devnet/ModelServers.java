package zg.compute.cli.internal.devnet;

import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import zg.compute.backends.DevImageServer;
import zg.compute.backends.EmbeddingServer;
import zg.compute.backends.SpeechToTextServer;
import zg.compute.backends.TextToSpeechServer;

/**
 * The model servers behind the devnet's non-chat providers: the development image renderer, the real
 * all-MiniLM-L6-v2 embeddings model, whose load (a few seconds) runs on its own thread while the chain starts,
 * the real pocketsphinx speech recogniser and the real espeak-ng synthesiser (where the Debian packages are
 * installed).
 */
final class ModelServers implements AutoCloseable {

    private final long t0;
    private Vertx vertx;
    private DevImageServer images;
    private SpeechToTextServer speech;
    private TextToSpeechServer voice;
    private CompletableFuture<EmbeddingServer> embeddings;
    private volatile long embeddingsReadyNanos = -1;

    /** @param t0 {@link System#nanoTime()} at the start of {@code devnet up}, for the ready time */
    ModelServers(long t0) {
        this.t0 = t0;
    }

    synchronized void loadEmbeddingsInBackground() {
        embeddings = CompletableFuture.supplyAsync(() -> {
            EmbeddingServer s = EmbeddingServer.start(0);
            embeddingsReadyNanos = System.nanoTime();
            return s;
        }, r -> {
            Thread t = new Thread(r, "zg-devnet-embeddings");
            t.setDaemon(true);
            t.start();
        });
    }

    synchronized DevImageServer startImages() {
        if (vertx == null) {
            vertx = Vertx.vertx();
        }
        images = DevImageServer.start(vertx, 0);
        return images;
    }

    synchronized SpeechToTextServer startSpeech() {
        if (vertx == null) {
            vertx = Vertx.vertx();
        }
        speech = SpeechToTextServer.start(vertx, 0);
        return speech;
    }

    synchronized TextToSpeechServer startVoice() {
        if (vertx == null) {
            vertx = Vertx.vertx();
        }
        voice = TextToSpeechServer.start(vertx, 0);
        return voice;
    }

    /** Waits for the embeddings server started by {@link #loadEmbeddingsInBackground()}; its failure is thrown. */
    EmbeddingServer awaitEmbeddings() {
        try {
            return embeddings.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("the embeddings server did not start: " + cause.getMessage(), cause);
        }
    }

    /** Milliseconds from the start of {@code devnet up} until the embeddings server listened; -1 when it did not. */
    long embeddingsReadyMillis() {
        long ready = embeddingsReadyNanos;
        return ready < 0 ? -1 : (ready - t0) / 1_000_000;
    }

    @Override
    public synchronized void close() {
        if (embeddings != null) {
            // still loading (a failed start): close it when it is there
            embeddings.whenComplete((s, e) -> {
                if (s != null) {
                    s.close();
                }
            });
        }
        for (AutoCloseable server : new AutoCloseable[] {images, speech, voice}) {
            if (server != null) {
                try {
                    server.close();
                } catch (Exception ignored) {
                    // keep stopping the rest
                }
            }
        }
        if (vertx != null) {
            vertx.close();
        }
    }
}

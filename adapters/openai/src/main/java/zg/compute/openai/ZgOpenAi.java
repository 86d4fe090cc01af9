package zg.compute.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.time.Duration;
import zg.compute.okhttp.ResponseListener;
import zg.compute.okhttp.ZgInterceptor;
import zg.compute.sdk.InferenceBroker;

/**
 * A ready {@link OpenAIClient} (the official OpenAI Java SDK) for one 0G provider: base URL {@code <url>/v1/proxy},
 * fresh 0G auth on every request and every answer verified and counted by {@link ZgInterceptor}.
 *
 * <pre>{@code
 * OpenAIClient openai = ZgOpenAi.client(broker.inference(), provider, o -> log.info("{}", o));
 * HttpResponseFor<ChatCompletion> r = openai.chat().completions().withRawResponse().create(params);
 * r.headers().values(ZgInterceptor.VERIFICATION_HEADER);   // ["VERIFIED"]
 * }</pre>
 *
 * Streams are verified once read to the end; their outcome reaches the listener. Retries are off: a request the
 * provider may already have billed is never sent twice behind the caller's back.
 */
public final class ZgOpenAi {

    /** What the OpenAI client is told as its key: never sent, the interceptor replaces the header. */
    static final String PLACEHOLDER_KEY = "0g-auth-per-request";

    private ZgOpenAi() {
    }

    public static OpenAIClient client(InferenceBroker inference, String provider) {
        return client(inference, provider, outcome -> { });
    }

    /** As {@link #client(InferenceBroker, String)}, telling {@code listener} the outcome of every answer. */
    public static OpenAIClient client(InferenceBroker inference, String provider, ResponseListener listener) {
        return builder(inference, provider, listener).build();
    }

    /** The builder behind {@link #client}, for more settings (timeouts, executors) before {@code build()}. */
    public static OpenAIOkHttpClient.Builder builder(InferenceBroker inference, String provider,
            ResponseListener listener) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(inference.getServiceMetadata(provider).endpoint())
                .apiKey(PLACEHOLDER_KEY)
                .maxRetries(0)
                .timeout(Duration.ofMinutes(5))
                .addInterceptor(new ZgInterceptor(inference, provider, listener));
    }
}

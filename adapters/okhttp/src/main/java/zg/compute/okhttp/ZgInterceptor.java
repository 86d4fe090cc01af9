package zg.compute.okhttp;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Map;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import okio.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.ResponseOutcome;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeException;

/**
 * An OkHttp interceptor for requests to one 0G provider (its {@code <url>/v1/proxy/…} routes): each request gets
 * fresh auth headers ({@link InferenceBroker#getRequestHeaders}, the official {@code getRequestHeaders}), and each
 * successful answer is handed to {@link InferenceBroker#processExchange} over the exact bytes sent and received —
 * the TEE signature checked, the fee added to the local estimate.
 *
 * <p>The outcome reaches the caller three ways: a JSON answer carries the headers {@value #VERIFICATION_HEADER}
 * ({@code VERIFIED}, {@code REJECTED} or {@code SKIPPED}), {@value #FEE_HEADER} (neuron) and {@value #CHAT_ID_HEADER};
 * a {@link ResponseListener} tagged on the request, and the one given here, are told it — for a stream
 * ({@code text/event-stream}) once its last byte has been read, since the signature covers the whole stream.
 *
 * <pre>{@code
 * OkHttpClient http = new OkHttpClient.Builder()
 *         .addInterceptor(new ZgInterceptor(broker.inference(), provider))
 *         .build();
 * Response r = http.newCall(new Request.Builder()
 *         .url(broker.inference().getServiceMetadata(provider).endpoint() + "/chat/completions")
 *         .post(RequestBody.create(json, MediaType.get("application/json"))).build()).execute();
 * r.header(ZgInterceptor.VERIFICATION_HEADER);   // "VERIFIED"
 * }</pre>
 *
 * Answers of more than {@link #MAX_ANSWER_BYTES} are not buffered for verification: a JSON answer that large fails
 * with an {@link IOException}, a stream that long is passed on and reported {@code REJECTED} with no fee counted.
 */
public final class ZgInterceptor implements Interceptor {

    public static final String VERIFICATION_HEADER = "ZG-Verification";
    public static final String FEE_HEADER = "ZG-Fee";
    public static final String CHAT_ID_HEADER = "ZG-Chat-Id";
    /** The provider's chat id header, the key its TEE signature is fetched by. */
    public static final String RES_KEY_HEADER = "ZG-Res-Key";
    public static final long MAX_ANSWER_BYTES = 64L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ZgInterceptor.class);

    private final InferenceBroker inference;
    private final String provider;
    private final ResponseListener listener;

    public ZgInterceptor(InferenceBroker inference, String provider) {
        this(inference, provider, outcome -> { });
    }

    /** As {@link #ZgInterceptor(InferenceBroker, String)}, telling {@code listener} every outcome. */
    public ZgInterceptor(InferenceBroker inference, String provider, ResponseListener listener) {
        this.inference = inference;
        this.provider = provider;
        this.listener = listener;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request original = chain.request();
        byte[] sent = bodyBytes(original.body());
        Request.Builder signed = original.newBuilder();
        Map<String, String> headers;
        try {
            headers = inference.getRequestHeaders(provider);
        } catch (ZGComputeException e) {
            throw new IOException("0G request headers for " + provider + ": " + e.getMessage(), e);
        }
        headers.forEach(signed::header);
        if (original.body() != null) {
            signed.method(original.method(), RequestBody.create(sent, original.body().contentType()));
        }
        Response response = chain.proceed(signed.build());
        ResponseBody body = response.body();
        if (!response.isSuccessful() || body == null) {
            return response; // the broker bills only answers it delivers
        }
        ResponseListener tagged = original.tag(ResponseListener.class);
        String resKey = response.header(RES_KEY_HEADER);
        if (isStream(body.contentType())) {
            return response.newBuilder()
                    .body(new VerifyingBody(body, sent, resKey, tagged))
                    .build();
        }
        if (body.contentLength() > MAX_ANSWER_BYTES) {
            body.close();
            throw new IOException("answer of " + body.contentLength() + " bytes is larger than "
                    + MAX_ANSWER_BYTES + " and cannot be verified");
        }
        byte[] received = readCapped(body.source());
        body.close();
        ResponseOutcome outcome = process(resKey, sent, received, tagged);
        return response.newBuilder()
                .header(VERIFICATION_HEADER, outcome.verification().name())
                .header(FEE_HEADER, outcome.fee().toString())
                .header(CHAT_ID_HEADER, outcome.chatId() == null ? "" : outcome.chatId())
                .body(ResponseBody.create(received, body.contentType()))
                .build();
    }

    private ResponseOutcome process(String resKey, byte[] sent, byte[] received, ResponseListener tagged) {
        ResponseOutcome outcome;
        try {
            outcome = inference.processExchange(provider, resKey, sent, received);
        } catch (ZGComputeException e) {
            // the answer is delivered and paid for: report it unverified rather than lose it
            LOG.warn("answer {} from {} could not be processed: {}", resKey, provider, e.getMessage());
            outcome = new ResponseOutcome(resKey, ResponseVerification.REJECTED, BigInteger.ZERO);
        }
        tell(listener, outcome);
        if (tagged != null) {
            tell(tagged, outcome);
        }
        return outcome;
    }

    private static void tell(ResponseListener l, ResponseOutcome outcome) {
        try {
            l.onOutcome(outcome);
        } catch (RuntimeException e) {
            LOG.warn("response listener failed: {}", e.toString());
        }
    }

    private static boolean isStream(MediaType type) {
        return type != null && "text".equals(type.type()) && "event-stream".equals(type.subtype());
    }

    private static byte[] bodyBytes(RequestBody body) throws IOException {
        if (body == null) {
            return new byte[0];
        }
        Buffer b = new Buffer();
        body.writeTo(b);
        return b.readByteArray();
    }

    private static byte[] readCapped(BufferedSource source) throws IOException {
        Buffer b = new Buffer();
        while (source.read(b, 8192) != -1) {
            if (b.size() > MAX_ANSWER_BYTES) {
                throw new IOException("answer is larger than " + MAX_ANSWER_BYTES + " bytes and cannot be verified");
            }
        }
        return b.readByteArray();
    }

    /** A stream passed on as it arrives and kept aside, processed once its end has been read. */
    private final class VerifyingBody extends ResponseBody {
        private final ResponseBody delegate;
        private final BufferedSource source;
        private final Buffer copy = new Buffer();
        private boolean done;

        VerifyingBody(ResponseBody delegate, byte[] sent, String resKey, ResponseListener tagged) {
            this.delegate = delegate;
            Source teeing = new ForwardingSource(delegate.source()) {
                private boolean overflow;

                @Override
                public long read(Buffer sink, long byteCount) throws IOException {
                    long n = super.read(sink, byteCount);
                    if (n > 0 && !overflow) {
                        sink.copyTo(copy, sink.size() - n, n);
                        overflow = copy.size() > MAX_ANSWER_BYTES;
                        if (overflow) {
                            copy.clear();
                        }
                    }
                    if (n == -1) {
                        finish();
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    // clients that stop reading at "data: [DONE]" close before the end of file: the rest is empty
                    if (!done && !overflow && endsWithDone()) {
                        while (super.read(new Buffer(), 8192) != -1) {
                            // drain the final separators
                        }
                        finish();
                    } else if (!done) {
                        LOG.warn("stream {} from {} was closed before its end: not verified", resKey, provider);
                    }
                    super.close();
                }

                private boolean endsWithDone() {
                    long from = Math.max(0, copy.size() - 32);
                    return copy.snapshot().substring((int) from).utf8().contains("[DONE]");
                }

                private void finish() {
                    if (done) {
                        return;
                    }
                    done = true;
                    if (overflow) {
                        LOG.warn("stream {} from {} is longer than {} bytes: not verified", resKey, provider,
                                MAX_ANSWER_BYTES);
                        ResponseOutcome o = new ResponseOutcome(resKey, ResponseVerification.REJECTED,
                                BigInteger.ZERO);
                        tell(listener, o);
                        if (tagged != null) {
                            tell(tagged, o);
                        }
                    } else {
                        process(resKey, sent, copy.readByteArray(), tagged);
                    }
                }
            };
            this.source = Okio.buffer(teeing);
        }

        @Override
        public MediaType contentType() {
            return delegate.contentType();
        }

        @Override
        public long contentLength() {
            return delegate.contentLength();
        }

        @Override
        public BufferedSource source() {
            return source;
        }
    }
}

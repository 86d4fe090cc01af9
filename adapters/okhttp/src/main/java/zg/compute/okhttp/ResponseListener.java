package zg.compute.okhttp;

import zg.compute.sdk.ResponseOutcome;

/**
 * Told the {@link ResponseOutcome} of one answer once {@link ZgInterceptor} has checked it: for a JSON answer before
 * the response is handed on, for a stream when its last byte has been read. Attach one to a single request with
 * {@code new Request.Builder().tag(ResponseListener.class, outcome -> …)}, or to every request through the
 * interceptor's constructor.
 */
@FunctionalInterface
public interface ResponseListener {

    void onOutcome(ResponseOutcome outcome);
}

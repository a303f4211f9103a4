package org.strata.storage.http;

import java.io.IOException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body of exactly the expected length into one array; a longer body is cut off and
 * fails (a hostile server never makes us buffer more than we asked for). The rejecting variant takes no
 * body at all, for responses that are errors anyway (a 200 carrying a whole image must not be downloaded).
 */
final class ExactLengthBody implements BodySubscriber<byte[]> {

    private final byte[] data;
    private final boolean reject;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private int filled;

    private ExactLengthBody(int length, boolean reject) {
        this.data = new byte[length];
        this.reject = reject;
    }

    static ExactLengthBody of(int length) {
        return new ExactLengthBody(length, false);
    }

    static ExactLengthBody rejecting() {
        return new ExactLengthBody(0, true);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (reject) {
            s.cancel();
            result.complete(null);
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            if (b.remaining() > data.length - filled) {
                subscription.cancel();
                result.completeExceptionally(new IOException(
                        "the server sent more than the " + data.length + " bytes asked for"));
                return;
            }
            int n = b.remaining();
            b.get(data, filled, n);
            filled += n;
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        if (filled == data.length) {
            result.complete(data);
        } else {
            result.completeExceptionally(new IOException("the server sent " + filled + " of the "
                    + data.length + " bytes asked for"));
        }
    }
}

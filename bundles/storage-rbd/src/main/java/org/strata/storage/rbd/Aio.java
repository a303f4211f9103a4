package org.strata.storage.rbd;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.jna.Callback;
import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * librbd's asynchronous requests ({@code rbd_aio_*}) with completions, so that every thread's request is in flight
 * at once. One callback object serves every completion: it is static, so it stays reachable for as long as a
 * completion may call it, and it finds the waiting request by the number passed as the callback's argument.
 * The callback runs on librbd's own threads: it only takes the result, releases the completion (the one place that
 * does, so each is released exactly once) and completes a future; it never blocks.
 */
final class Aio {

    /** librbd's {@code rbd_callback_t}. */
    private interface CompletionCallback extends Callback {
        void invoke(Pointer completion, Pointer arg);
    }

    /** Starts one request on a completion; returns what the {@code rbd_aio_*} call returned. */
    @FunctionalInterface
    interface Request {
        int start(CephApi.Rbd rbd, Pointer completion);
    }

    private static final AtomicLong NEXT_ID = new AtomicLong();
    private static final Map<Long, CompletableFuture<Long>> PENDING = new ConcurrentHashMap<>();
    private static final CompletionCallback CALLBACK = Aio::completed;

    static {
        // librbd's threads live as long as a connection: keep them attached to the JVM (as daemons) between calls
        Native.setCallbackThreadInitializer(CALLBACK, new CallbackThreadInitializer(true, false, "librbd-completion"));
    }

    private Aio() {
    }

    private static void completed(Pointer completion, Pointer arg) {
        try {
            CephApi.Rbd rbd = CephApi.rbd();
            long result = rbd.rbd_aio_get_return_value(completion);
            rbd.rbd_aio_release(completion);
            CompletableFuture<Long> waiting = PENDING.remove(Pointer.nativeValue(arg));
            if (waiting != null) {
                waiting.complete(result);
            }
        } catch (Throwable t) {
            // nothing may escape into librbd's thread; the library is loaded, as it called us
        }
    }

    /**
     * Runs {@code request} and waits for its completion. The wait is not interruptible: librbd may still use the
     * request's buffer until it completes, and its own time limits ({@code rados_osd_op_timeout}) bound the wait.
     *
     * @return the request's result (bytes read for a read)
     * @throws IOException when the request fails, naming {@code what}
     */
    static long run(String what, Request request) throws IOException {
        CephApi.Rbd rbd = CephApi.rbd();
        long id = NEXT_ID.incrementAndGet();
        CompletableFuture<Long> done = new CompletableFuture<>();
        PENDING.put(id, done);
        PointerByReference completion = new PointerByReference();
        int r = rbd.rbd_aio_create_completion(new Pointer(id), CALLBACK, completion);
        if (r < 0) {
            PENDING.remove(id);
            throw CephErrors.failure(what, r);
        }
        r = request.start(rbd, completion.getValue());
        if (r < 0) {
            // not started: the callback will never run, so the completion is ours to release
            PENDING.remove(id);
            rbd.rbd_aio_release(completion.getValue());
            throw CephErrors.failure(what, r);
        }
        long result = done.join();
        if (result < 0) {
            throw CephErrors.failure(what, result);
        }
        return result;
    }
}

package org.strata.storage.rbd;

import java.io.IOException;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * librbd's asynchronous requests ({@code rbd_aio_*}) for what its synchronous calls cannot do: discards and zero
 * writes longer than 2 GiB, which the synchronous calls refuse as their result is an {@code int}. The calling thread
 * waits for the completion in librbd ({@code rbd_aio_wait_for_complete}): no callback runs on librbd's threads.
 */
final class Aio {

    /** Starts one request on a completion; returns what the {@code rbd_aio_*} call returned. */
    @FunctionalInterface
    interface Request {
        int start(CephApi.Rbd rbd, Pointer completion);
    }

    private Aio() {
    }

    /**
     * Runs {@code request} and waits for its completion. The wait is not interruptible: librbd may still use the
     * request's buffer until it completes, and its own time limits ({@code rados_osd_op_timeout}) bound the wait.
     *
     * @return the request's result
     * @throws IOException when the request fails, naming {@code what}
     */
    static long run(String what, Request request) throws IOException {
        CephApi.Rbd rbd = CephApi.rbd();
        PointerByReference ref = new PointerByReference();
        Cluster.check(what, rbd.rbd_aio_create_completion(null, null, ref));
        Pointer completion = ref.getValue();
        try {
            Cluster.check(what, request.start(rbd, completion));
            rbd.rbd_aio_wait_for_complete(completion);
            long result = rbd.rbd_aio_get_return_value(completion);
            Cluster.check(what, result);
            return result;
        } finally {
            rbd.rbd_aio_release(completion);
        }
    }
}

package org.strata.storage.rbd;

import java.io.IOException;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The calls of librados and librbd (Debian's {@code librados2} and {@code librbd1}) this backend makes, through
 * JNA. Every call returns 0 or a positive count on success and {@code -errno} on failure. The libraries load on
 * first use, so the bundle starts (and says what is missing) on a host without them.
 */
final class CephApi {

    /** {@code rbd_lock_mode_t}. */
    static final int RBD_LOCK_MODE_EXCLUSIVE = 0;
    /** {@code rbd_write_zeroes} flag: allocate the zeroes instead of punching a hole. */
    static final int RBD_WRITE_ZEROES_FLAG_THICK_PROVISION = 1;

    private CephApi() {
    }

    interface Rados extends Library {
        int rados_create2(PointerByReference cluster, String clusterName, String name, long flags);

        int rados_conf_read_file(Pointer cluster, String path);

        int rados_conf_set(Pointer cluster, String option, String value);

        int rados_connect(Pointer cluster);

        void rados_shutdown(Pointer cluster);

        int rados_ioctx_create(Pointer cluster, String pool, PointerByReference ioctx);

        void rados_ioctx_set_namespace(Pointer ioctx, String namespace);

        void rados_ioctx_destroy(Pointer ioctx);
    }

    interface Rbd extends Library {
        int rbd_create4(Pointer ioctx, String name, long size, Pointer options);

        void rbd_image_options_create(PointerByReference options);

        void rbd_image_options_destroy(Pointer options);

        int rbd_image_options_set_uint64(Pointer options, int option, long value);

        int rbd_open(Pointer ioctx, String name, PointerByReference image, String snapshot);

        int rbd_open_read_only(Pointer ioctx, String name, PointerByReference image, String snapshot);

        int rbd_close(Pointer image);

        int rbd_get_size(Pointer image, LongByReference size);

        int rbd_resize(Pointer image, long size);

        int rbd_lock_acquire(Pointer image, int mode);

        int rbd_aio_create_completion(Pointer arg, Callback callback, PointerByReference completion);

        int rbd_aio_wait_for_complete(Pointer completion);

        long rbd_aio_get_return_value(Pointer completion);

        void rbd_aio_release(Pointer completion);

        int rbd_aio_discard(Pointer image, long offset, long length, Pointer completion);

        int rbd_aio_write_zeroes(Pointer image, long offset, long length, Pointer completion, int zeroFlags,
                                 int opFlags);

        int rbd_aio_flush(Pointer image, Pointer completion);
    }

    /**
     * The calls of every read and write ({@code ssize_t rbd_read2/rbd_write2(image, offset, length, buffer,
     * op_flags)}), mapped directly: a plain JNI call, without the interface proxy's reflection and argument
     * conversion, which cost more CPU than the rest of the request on the client side (docs/benchmarks.md, "RBD").
     * The buffer is a native address. Used only on an open image, so the library has loaded through {@link #rbd()}.
     */
    static final class RbdData {
        static {
            Native.register(RbdData.class, "librbd.so.1");
        }

        private RbdData() {
        }

        static native long rbd_read2(Pointer image, long offset, long length, long buffer, int opFlags);

        static native long rbd_write2(Pointer image, long offset, long length, long buffer, int opFlags);
    }

    interface LibC extends Library {
        String strerror(int errno);
    }

    /** Loaded once, on first use. */
    private static final class Loaded {
        static final Rados RADOS = Native.load("librados.so.2", Rados.class);
        static final Rbd RBD = Native.load("librbd.so.1", Rbd.class);
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    static Rados rados() throws IOException {
        try {
            return Loaded.RADOS;
        } catch (LinkageError e) {
            throw missing(e);
        }
    }

    static Rbd rbd() throws IOException {
        try {
            return Loaded.RBD;
        } catch (LinkageError e) {
            throw missing(e);
        }
    }

    private static IOException missing(LinkageError e) {
        return new IOException("librbd and librados are not available (install Debian's librbd1 and librados2): "
                + e.getMessage(), e);
    }

    /** The C library's text for {@code errno} (a positive or negative code). */
    static String strerror(long errno) {
        try {
            return Loaded.LIBC.strerror((int) Math.abs(errno));
        } catch (LinkageError e) {
            return "error " + Math.abs(errno);
        }
    }
}

package org.strata.format.qcow2;

import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

import org.strata.api.ImageFormatException;

/**
 * Compressed clusters of one image: raw deflate (qcow2's "zlib", no zlib header) or zstd, by the header's
 * compression type. Any thread may call it. Its compressors and decompressors are kept for the next cluster and
 * freed by {@link #close}: making a zstd context per 64 KiB cluster cost about as much CPU as compressing it.
 */
final class Compression implements Closeable {

    static final int ZLIB = 0;
    static final int ZSTD = 1;

    private final Pool<ZstdCompressCtx> zstdCompressors =
            new Pool<>(() -> new ZstdCompressCtx().setLevel(Zstd.defaultCompressionLevel()), ZstdCompressCtx::close);
    private final Pool<ZstdDecompressCtx> zstdDecompressors = new Pool<>(ZstdDecompressCtx::new, ZstdDecompressCtx::close);
    private final Pool<Deflater> deflaters = new Pool<>(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true),
            Deflater::end);
    private final Pool<Inflater> inflaters = new Pool<>(() -> new Inflater(true), Inflater::end);

    static String name(int type) {
        return type == ZSTD ? "zstd" : "zlib";
    }

    /**
     * Compresses one cluster; returns the compressed bytes, or null when they would not be smaller than the
     * cluster (the caller then writes it uncompressed).
     */
    byte[] compress(int type, byte[] cluster) throws IOException {
        int limit = cluster.length - 1;
        byte[] out = new byte[cluster.length];
        int n = type == ZSTD ? compressZstd(cluster, out) : deflate(cluster, out);
        return n < 0 || n >= limit ? null : Arrays.copyOf(out, n);
    }

    /** The compressed length, or -1 when the result does not fit {@code out}. */
    private int compressZstd(byte[] cluster, byte[] out) throws IOException {
        ZstdCompressCtx zstd = zstdCompressors.take();
        try {
            return zstd.compressByteArray(out, 0, out.length, cluster, 0, cluster.length);
        } catch (ZstdException e) {
            if (e.getErrorCode() == Zstd.errDstSizeTooSmall()) {
                return -1;
            }
            throw new IOException("zstd compression failed: " + e.getMessage());
        } finally {
            zstdCompressors.give(zstd);
        }
    }

    private int deflate(byte[] cluster, byte[] out) {
        Deflater d = deflaters.take();
        try {
            d.reset();
            d.setInput(cluster);
            d.finish();
            int n = 0;
            while (!d.finished() && n < out.length) {
                n += d.deflate(out, n, out.length - n);
            }
            return d.finished() ? n : -1;
        } finally {
            deflaters.give(d);
        }
    }

    /**
     * Decompresses {@code src} (which may carry trailing bytes of the next compressed cluster) into exactly
     * {@code dst.length} bytes.
     */
    void decompress(int type, byte[] src, byte[] dst, String where) throws IOException {
        if (type == ZSTD) {
            decompressZstd(src, dst, where);
            return;
        }
        Inflater inf = inflaters.take();
        try {
            inf.reset();
            inf.setInput(src);
            int n = 0;
            while (n < dst.length) {
                int k = inf.inflate(dst, n, dst.length - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += k;
            }
            if (n < dst.length) {
                throw new ImageFormatException(where + ": compressed cluster decompresses to " + n + " bytes, not "
                        + dst.length);
            }
        } catch (DataFormatException e) {
            throw new ImageFormatException(where + ": invalid deflate data in compressed cluster: " + e.getMessage());
        } finally {
            inflaters.give(inf);
        }
    }

    private void decompressZstd(byte[] src, byte[] dst, String where) throws IOException {
        int in = 0;
        int out = 0;
        ZstdDecompressCtx zstd = zstdDecompressors.take();
        // The data may be several frames; each is sized first so trailing bytes are never parsed as data.
        // zstd-jni reports bad data by return codes in some calls and by ZstdException (unchecked) in others.
        try {
            while (out < dst.length) {
                if (in >= src.length) {
                    throw new ImageFormatException(where + ": zstd data ends after " + out + " of " + dst.length
                            + " bytes");
                }
                long frame = Zstd.findFrameCompressedSize(src, in, src.length - in);
                if (Zstd.isError(frame) || frame <= 0) {
                    throw new ImageFormatException(where + ": invalid zstd data in compressed cluster");
                }
                int n = zstd.decompressByteArray(dst, out, dst.length - out, src, in, (int) frame);
                in += (int) frame;
                out += n;
                if (n == 0 && frame == 0) {
                    break;
                }
            }
        } catch (ZstdException e) {
            throw new ImageFormatException(where + ": invalid zstd data in compressed cluster: " + e.getMessage());
        } finally {
            zstdDecompressors.give(zstd);
        }
    }

    /** Frees the kept compressors; a call still running frees its own when it ends. */
    @Override
    public void close() {
        zstdCompressors.close();
        zstdDecompressors.close();
        deflaters.close();
        inflaters.close();
    }

    /** Native objects that are costly to make: taken by one thread at a time, given back for the next. */
    private static final class Pool<T> {

        private final Supplier<T> make;
        private final Consumer<T> free;
        private final ConcurrentLinkedQueue<T> idle = new ConcurrentLinkedQueue<>();
        private volatile boolean closed;

        Pool(Supplier<T> make, Consumer<T> free) {
            this.make = make;
            this.free = free;
        }

        T take() {
            T t = idle.poll();
            return t != null ? t : make.get();
        }

        void give(T t) {
            idle.offer(t);
            if (closed) {
                drain();
            }
        }

        void close() {
            closed = true;
            drain();
        }

        private void drain() {
            for (T t = idle.poll(); t != null; t = idle.poll()) {
                free.accept(t);
            }
        }
    }
}

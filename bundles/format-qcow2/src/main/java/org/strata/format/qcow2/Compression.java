package org.strata.format.qcow2;

import java.io.IOException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;

import org.strata.api.ImageFormatException;

/**
 * Compressed clusters: raw deflate (qcow2's "zlib", no zlib header) or zstd, by the header's compression type.
 */
final class Compression {

    static final int ZLIB = 0;
    static final int ZSTD = 1;

    private Compression() {
    }

    static String name(int type) {
        return type == ZSTD ? "zstd" : "zlib";
    }

    /**
     * Compresses one cluster; returns the compressed bytes, or null when they would not be smaller than the
     * cluster (the caller then writes it uncompressed).
     */
    static byte[] compress(int type, byte[] cluster) throws IOException {
        int limit = cluster.length - 1;
        if (type == ZSTD) {
            byte[] out = new byte[(int) Zstd.compressBound(cluster.length)];
            long n = Zstd.compressByteArray(out, 0, out.length, cluster, 0, cluster.length, Zstd.defaultCompressionLevel());
            if (Zstd.isError(n)) {
                throw new IOException("zstd compression failed: " + Zstd.getErrorName(n));
            }
            return n >= limit ? null : java.util.Arrays.copyOf(out, (int) n);
        }
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            d.setInput(cluster);
            d.finish();
            byte[] out = new byte[cluster.length];
            int n = 0;
            while (!d.finished() && n < out.length) {
                n += d.deflate(out, n, out.length - n);
            }
            return !d.finished() || n >= limit ? null : java.util.Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
    }

    /**
     * Decompresses {@code src} (which may carry trailing bytes of the next compressed cluster) into exactly
     * {@code dst.length} bytes.
     */
    static void decompress(int type, byte[] src, byte[] dst, String where) throws IOException {
        if (type == ZSTD) {
            decompressZstd(src, dst, where);
            return;
        }
        Inflater inf = new Inflater(true);
        try {
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
            inf.end();
        }
    }

    private static void decompressZstd(byte[] src, byte[] dst, String where) throws IOException {
        int in = 0;
        int out = 0;
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
                long n = Zstd.decompressByteArray(dst, out, dst.length - out, src, in, (int) frame);
                if (Zstd.isError(n)) {
                    throw new ImageFormatException(where + ": invalid zstd data in compressed cluster: "
                            + Zstd.getErrorName(n));
                }
                in += (int) frame;
                out += (int) n;
                if (n == 0 && frame == 0) {
                    break;
                }
            }
        } catch (ZstdException e) {
            throw new ImageFormatException(where + ": invalid zstd data in compressed cluster: " + e.getMessage());
        }
    }
}

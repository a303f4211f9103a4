package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The compressed grains of a stream-optimized extent: a grain marker (the grain's first guest sector, 64 bits, and
 * the compressed size, 32 bits) followed by a zlib stream, padded to a whole sector. Decompressed grains are kept in
 * the image's {@link GrainCache}, since the engine reads a grain in as many pieces as the guest asks for.
 * Thread-safe.
 */
final class CompressedGrains {

    /** The grain marker before the compressed data. */
    static final int MARKER_BYTES = 12;
    /** The largest compressed grain this driver handles (VMware writes 64 KiB; QEMU allows 1 GiB). */
    static final int MAX_GRAIN_BYTES = 2 << 20;

    private final Storage storage;
    private final boolean markers;
    private final int grainBytes;
    private final GrainCache cache;

    CompressedGrains(Storage storage, boolean markers, int grainBytes, GrainCache cache) {
        this.storage = storage;
        this.markers = markers;
        this.grainBytes = grainBytes;
        this.cache = cache;
    }

    /**
     * Copies {@code dst.remaining()} bytes at {@code offsetInGrain} of the grain stored at {@code hostOffset}.
     * As QEMU, it fails when the grain holds fewer bytes than asked for.
     */
    void read(ByteBuffer dst, long hostOffset, int offsetInGrain) throws IOException {
        GrainCache.Grain grain = grain(hostOffset);
        if (offsetInGrain + dst.remaining() > grain.length()) {
            throw new ImageFormatException(storage.location() + ": compressed grain at " + hostOffset + " holds "
                    + grain.length() + " bytes, fewer than the guest reads");
        }
        dst.put(grain.data(), offsetInGrain, dst.remaining());
    }

    /** Forgets the decompressed grains. */
    void clear() {
        cache.clear(storage);
    }

    private GrainCache.Grain grain(long hostOffset) throws IOException {
        GrainCache.Grain g = cache.get(storage, hostOffset);
        if (g == null) {
            g = inflate(hostOffset);
            cache.put(storage, hostOffset, g);
        }
        return g;
    }

    private GrainCache.Grain inflate(long hostOffset) throws IOException {
        int dataOffset = 0;
        long length = grainBytes;
        if (markers) {
            ByteBuffer marker = ByteBuffer.allocate(MARKER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            storage.read(marker, hostOffset);
            length = Integer.toUnsignedLong(marker.getInt(8));
            dataOffset = MARKER_BYTES;
        }
        if (length == 0 || length > 2L * grainBytes) {
            throw new ImageFormatException(storage.location() + ": invalid compressed grain at " + hostOffset
                    + " (" + length + " bytes)");
        }
        byte[] in = new byte[(int) length];
        storage.read(ByteBuffer.wrap(in), hostOffset + dataOffset);
        // one byte more than a grain, to tell a full grain from one that decompresses to more
        byte[] out = new byte[grainBytes + 1];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int n = 0;
            while (!inflater.finished() && n < out.length) {
                int got = inflater.inflate(out, n, out.length - n);
                n += got;
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new ImageFormatException(storage.location() + ": compressed grain at " + hostOffset
                            + " is truncated");
                }
            }
            if (n > grainBytes) {
                throw new ImageFormatException(storage.location() + ": compressed grain at " + hostOffset
                        + " holds more than a grain");
            }
            return new GrainCache.Grain(out, n);
        } catch (DataFormatException e) {
            throw new ImageFormatException(storage.location() + ": invalid deflate data in the compressed grain at "
                    + hostOffset + ": " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    /** A grain compressed with its marker ({@code lba}: its first guest sector), padded to whole sectors. */
    static ByteBuffer deflate(ByteBuffer data, long lba) {
        int n = data.remaining();
        byte[] in = new byte[n];
        data.duplicate().get(in);
        Deflater deflater = new Deflater();
        try {
            deflater.setInput(in);
            deflater.finish();
            byte[] out = new byte[n + n / 8 + 64];
            int len = 0;
            while (!deflater.finished()) {
                if (len == out.length) {
                    out = java.util.Arrays.copyOf(out, out.length * 2);
                }
                len += deflater.deflate(out, len, out.length - len);
            }
            int total = (MARKER_BYTES + len + 511) / 512 * 512;
            ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(lba).putInt(len).put(out, 0, len);
            return b.clear();
        } finally {
            deflater.end();
        }
    }
}

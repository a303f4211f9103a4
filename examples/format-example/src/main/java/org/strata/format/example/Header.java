package org.strata.format.example;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The example format's on-disk header: {@link #SIZE} bytes at the start of the file, the guest's data right after.
 *
 * <pre>
 *   offset  length  field
 *   0       8       magic "STRATAEX"
 *   8       8       virtual size in bytes, big-endian
 *   16      496     zero
 * </pre>
 */
record Header(long virtualSize) {

    static final int SIZE = 512;
    private static final byte[] MAGIC = "STRATAEX".getBytes(StandardCharsets.US_ASCII);

    /**
     * The largest virtual size accepted. A header is untrusted input: whatever it claims is checked before it is
     * used, here so that {@code SIZE + offset} can never overflow.
     */
    static final long MAX_VIRTUAL_SIZE = 1L << 62;

    /** Whether {@code head} (the image's first bytes, at its position) starts with the magic. */
    static boolean matches(ByteBuffer head) {
        if (head.remaining() < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head.get(head.position() + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads and checks the header of the image in {@code storage}. */
    static Header read(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        storage.read(b, 0); // a short file reads as zeroes past its end: then the magic does not match
        b.flip();
        if (!matches(b)) {
            throw new ImageFormatException("Image is not in example format");
        }
        long size = b.getLong(8);
        if (size < 0 || size > MAX_VIRTUAL_SIZE) {
            throw new ImageFormatException("Invalid virtual size " + Long.toUnsignedString(size)
                    + " in the example header");
        }
        return new Header(size);
    }

    void write(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC).putLong(virtualSize).clear();
        storage.write(b, 0);
    }
}

package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * Gives an image a new CID as QEMU's {@code vmdk_write_cid} does, byte for byte: in the descriptor area (a C string),
 * everything from the first "CID" plus four chars up to "parentCID" becomes the new CID in hex and a newline. The
 * area is written back as far as the file's last sector reaches (QEMU's block layer clips it there), at most 20
 * sectors.
 */
final class CidWriter {

    private CidWriter() {
    }

    static void write(Storage storage, long descOffset, int cid) throws IOException {
        int size = Descriptor.DESC_SIZE;
        byte[] desc = Layout.readArea(storage, descOffset);
        desc[size - 1] = 0;
        int len = strlen(desc, 0);
        int parentAt = indexOf(desc, len, "parentCID");
        if (parentAt < 0) {
            throw new ImageFormatException(storage.location() + ": Invalid argument (no parentCID in the descriptor)");
        }
        byte[] tail = java.util.Arrays.copyOfRange(desc, parentAt, len);
        int p = indexOf(desc, len, "CID") + 4;
        byte[] hex = (Integer.toHexString(cid) + "\n").getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(hex.length, size - p - 1);
        System.arraycopy(hex, 0, desc, p, n);
        desc[p + n] = 0;
        int end = strlen(desc, 0);
        int m = Math.min(tail.length, size - 1 - end);
        System.arraycopy(tail, 0, desc, end, m);
        desc[end + m] = 0;
        long fileEnd = (storage.size() + 511) / 512 * 512;
        int write = (int) Math.max(0, Math.min(size, fileEnd - descOffset));
        storage.write(ByteBuffer.wrap(desc, 0, write), descOffset);
    }

    private static int strlen(byte[] b, int from) {
        int i = from;
        while (i < b.length && b[i] != 0) {
            i++;
        }
        return i - from;
    }

    private static int indexOf(byte[] b, int len, String key) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + k.length <= len; i++) {
            for (int j = 0; j < k.length; j++) {
                if (b[i + j] != k[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

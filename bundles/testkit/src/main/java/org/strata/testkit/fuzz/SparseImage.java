package org.strata.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the format fuzz targets receive an image: real images are mostly zeroes (a VHDX puts its log at 1 MiB and
 * its metadata at 2 MiB), so the fuzzer works on their non-zero sectors only. An input is the image's length
 * (8 bytes, big-endian), then runs of sectors: the first sector's number (4 bytes, big-endian), the number of
 * sectors less one (1 byte), and their 512-byte sectors (the last run may be cut short). Whatever the bytes, they
 * decode to some image: lengths are bounded ({@link SparseStorage#MAX_SIZE}; runs past it are left out), a short
 * input is a short image.
 *
 * <p>{@code main} converts: {@code encode IMAGE INPUT} makes a seed of a real image, {@code decode INPUT IMAGE}
 * writes out the image a crash input stands for.
 */
public final class SparseImage {

    private static final int SECTOR = 512;
    private static final int MAX_RUN = 256;

    private SparseImage() {
    }

    /** The image {@code input} stands for, in a writable sparse storage. */
    public static SparseStorage decode(byte[] input, String location) {
        ByteBuffer in = ByteBuffer.wrap(input);
        long length = in.remaining() >= 8 ? in.getLong() : 0;
        SparseStorage image = new SparseStorage(location, Math.min(Math.max(length, 0), SparseStorage.MAX_SIZE));
        while (in.remaining() > 5) {
            long sector = Integer.toUnsignedLong(in.getInt());
            int bytes = Math.min(in.remaining() - 1, (Byte.toUnsignedInt(in.get()) + 1) * SECTOR);
            ByteBuffer run = in.slice().limit(bytes);
            in.position(in.position() + bytes);
            if (sector * SECTOR + bytes <= SparseStorage.MAX_SIZE) {
                try {
                    image.write(run, sector * SECTOR);
                } catch (IOException e) {
                    throw new IllegalStateException("a run inside the largest size always fits", e);
                }
            }
        }
        return image;
    }

    /** The input that stands for {@code image}: its length and its non-zero sectors. */
    public static byte[] encode(byte[] image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).putLong(image.length).array());
        int sectors = (image.length + SECTOR - 1) / SECTOR;
        for (int s = 0; s < sectors; ) {
            if (isZero(image, s)) {
                s++;
                continue;
            }
            int n = 1;
            while (n < MAX_RUN && s + n < sectors && !isZero(image, s + n)) {
                n++;
            }
            out.writeBytes(ByteBuffer.allocate(5).putInt(s).put((byte) (n - 1)).array());
            byte[] run = new byte[n * SECTOR];
            System.arraycopy(image, s * SECTOR, run, 0, Math.min(run.length, image.length - s * SECTOR));
            out.writeBytes(run);
            s += n;
        }
        return out.toByteArray();
    }

    private static boolean isZero(byte[] image, int sector) {
        for (int i = sector * SECTOR; i < Math.min(image.length, (sector + 1) * SECTOR); i++) {
            if (image[i] != 0) {
                return false;
            }
        }
        return true;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !(args[0].equals("encode") || args[0].equals("decode"))) {
            System.err.println("usage: SparseImage encode IMAGE INPUT | decode INPUT IMAGE");
            System.exit(2);
        }
        byte[] in = Files.readAllBytes(Path.of(args[1]));
        if (args[0].equals("encode")) {
            Files.write(Path.of(args[2]), encode(in));
            return;
        }
        decode(in, args[1]).saveTo(Path.of(args[2]));
    }
}

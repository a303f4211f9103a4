package org.strata.testkit.fuzz;

import static org.strata.testkit.fuzz.ParserRules.tolerate;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;

/**
 * The body of every format fuzz target: a fuzzed image (a {@link SparseImage} input) goes through a driver's
 * public entry points as an image command would use them, under {@link ParserRules}. First read-only: open,
 * {@code info}, snapshots, {@code check}, the mappings from the start and around the middle and the end, the
 * data they point to; then on a writable copy: open (which may replay a log or repair), writes at the start,
 * middle and end, a zeroed range, a discard, flush, a repairing check, the mappings again, close. Each step may
 * fail with a clear IOException and the next still runs, so one refused step does not hide the others.
 * A mapping must also keep {@link FormatImage#getMapping}'s contract (at least one byte, no more than asked).
 */
public final class FormatFuzzing {

    private static final int MAPPINGS_WALKED = 64;
    private static final int MAX_READ = 64 << 10;

    private FormatFuzzing() {
    }

    /** Runs one fuzzed input through {@code driver}. */
    public static void exercise(FormatDriver driver, byte[] input) {
        SparseStorage image = SparseImage.decode(input, "fuzz." + driver.name());
        ParserRules.check(() -> {
            inspect(driver, image.copy(false));
            modify(driver, image.copy(true));
        });
    }

    private static void inspect(FormatDriver driver, Storage storage) throws IOException {
        try (FormatImage image = driver.open(storage, new FuzzContext(storage.location(), false))) {
            tolerate(image::info);
            tolerate(image::snapshots);
            tolerate(image::allocatedSize);
            tolerate(() -> image.check(RepairMode.NONE));
            walk(image);
        }
    }

    private static void modify(FormatDriver driver, Storage storage) throws IOException {
        try (FormatImage image = driver.open(storage, new FuzzContext(storage.location(), true))) {
            long size = image.size();
            if (!image.isWritable() || size <= 0) {
                return;
            }
            for (long offset : new long[] {0, size / 2, size - 1}) {
                tolerate(() -> write(image, offset, (int) Math.min(4096, size - offset)));
            }
            long granularity = image.zeroGranularity();
            if (granularity > 0 && granularity <= size) {
                long last = (size - 1) / granularity * granularity;
                tolerate(() -> image.ensureZeroMapping(0, granularity));
                tolerate(() -> image.discardToZero(last, size - last));
                tolerate(() -> image.discardToAny(0, Math.min(size, granularity)));
            }
            tolerate(image::flush);
            tolerate(() -> image.check(RepairMode.ALL));
            walk(image);
        }
    }

    /** Asks for the mappings from the start (a bounded number of them), then around the middle and the end. */
    private static void walk(FormatImage image) throws IOException {
        long size = image.size();
        if (size < 0) {
            throw new AssertionError("negative size " + size);
        }
        long offset = 0;
        for (int i = 0; i < MAPPINGS_WALKED && offset < size; i++) {
            long at = offset;
            long[] next = {size};
            tolerate(() -> next[0] = at + readAt(image, at, size - at));
            offset = next[0];
        }
        for (long at : new long[] {size / 2, size - 1}) {
            if (at >= 0 && at < size) {
                tolerate(() -> readAt(image, at, size - at));
            }
        }
    }

    /** Reads (some of) what lies at {@code offset}; returns the mapping's length. */
    private static long readAt(FormatImage image, long offset, long maxLength) throws IOException {
        ShallowMapping m = image.getMapping(offset, maxLength);
        if (m.length() < 1 || m.length() > maxLength) {
            throw new AssertionError("getMapping(" + offset + ", " + maxLength + ") gave " + m);
        }
        int n = (int) Math.min(m.length(), MAX_READ);
        if (m instanceof ShallowMapping.Raw raw) {
            if (raw.offset() < 0) {
                throw new AssertionError("a raw mapping at a negative offset: " + m);
            }
            raw.storage().read(ByteBuffer.allocate(n), raw.offset());
        } else if (m instanceof ShallowMapping.Special) {
            image.readSpecial(ByteBuffer.allocate(n), offset);
        }
        return m.length();
    }

    private static void write(FormatImage image, long offset, int length) throws IOException {
        ShallowMapping.Raw raw = image.ensureDataMapping(offset, length, false);
        if (raw.length() < 1 || raw.length() > length || !raw.writable() || raw.offset() < 0) {
            throw new AssertionError("ensureDataMapping(" + offset + ", " + length + ") gave " + raw);
        }
        byte[] data = new byte[(int) raw.length()];
        java.util.Arrays.fill(data, (byte) 0x5a);
        raw.storage().write(ByteBuffer.wrap(data), raw.offset());
    }

    /**
     * Opens no backing file (reads of unallocated ranges see zeroes, as with {@code info}); a file the image names
     * (a VMDK extent) is a fresh MiB of zeroes, so descriptors that name extents are exercised too.
     */
    private record FuzzContext(String location, boolean writable) implements ImageContext {

        @Override
        public boolean openBacking() {
            return false;
        }

        @Override
        public FormatAccess openBacking(String reference, String format) throws IOException {
            throw new IOException("fuzzing opens no backing file (" + reference + ")");
        }

        @Override
        public Storage openFile(String reference, boolean w) {
            SparseStorage file = new SparseStorage(reference, 1 << 20);
            return w ? file : file.copy(false);
        }

        @Override
        public Storage createFile(String reference) throws IOException {
            throw new IOException("fuzzing creates no file (" + reference + ")");
        }
    }
}

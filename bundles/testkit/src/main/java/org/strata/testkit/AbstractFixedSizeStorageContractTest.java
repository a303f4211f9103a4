package org.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * The storage contract of a backend whose size is fixed (a block device, a remote export): resizing and writing
 * past the end are refused with a clear one-line error, and nothing of the storage changes.
 */
public abstract class AbstractFixedSizeStorageContractTest extends AbstractStorageContractTest {

    private static final int SIZE = 65536;

    @Test
    void resizeIsRefusedAndChangesNothing() throws IOException {
        try (Storage s = create(SIZE)) {
            s.write(Patterns.filled(SIZE, 0x22), 0);
            for (long newSize : new long[] {SIZE + 100_000, 1000}) {
                for (Preallocation p : Preallocation.values()) {
                    String what = "resize to " + newSize + ", preallocation " + p;
                    assertClearError(assertThrows(IOException.class, () -> s.resize(newSize, p), what), what);
                    assertUnchanged(s, 0x22, what);
                }
            }
        }
    }

    @Test
    void writingPastTheEndIsRefusedAndChangesNothing() throws IOException {
        try (Storage s = create(SIZE)) {
            s.write(Patterns.filled(SIZE, 0x33), 0);
            long[][] writes = {{SIZE - 4096, 8192}, {SIZE, 512}, {SIZE + 5000, 100}};
            for (long[] w : writes) {
                String what = "write of " + w[1] + " bytes at " + w[0];
                assertClearError(assertThrows(IOException.class, () -> s.write(Patterns.filled((int) w[1], 7), w[0]),
                        what), what);
                assertUnchanged(s, 0x33, what);
            }
        }
    }

    private static void assertClearError(IOException e, String what) {
        String m = e.getMessage();
        assertTrue(m != null && !m.isBlank() && !m.contains("\n"), what + ": no clear one-line message: " + e);
    }

    private static void assertUnchanged(Storage s, int fill, String what) throws IOException {
        assertEquals(SIZE, s.size(), what + " changed the size");
        assertArrayEquals(Patterns.filled(SIZE, fill).array(), read(s, 0, SIZE), what + " changed the data");
    }
}

package org.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/** The storage contract of a backend that can change its size (a file): it grows with zeroes and shrinks. */
public abstract class AbstractResizableStorageContractTest extends AbstractStorageContractTest {

    @Test
    void resizeGrowsWithZeroesAndShrinks() throws IOException {
        try (Storage s = create(65536)) {
            s.write(Patterns.filled(65536, 0x22), 0);
            for (Preallocation p : List.of(Preallocation.OFF, Preallocation.FALLOC, Preallocation.FULL)) {
                long newSize = s.size() + 100_000;
                s.resize(newSize, p);
                assertEquals(newSize, s.size(), p.toString());
                assertArrayEquals(new byte[100_000], read(s, newSize - 100_000, 100_000), p.toString());
            }
            s.resize(1000, Preallocation.OFF);
            assertEquals(1000, s.size());
            s.resize(8192, Preallocation.OFF);
            byte[] got = read(s, 0, 8192);
            for (int i = 0; i < 8192; i++) {
                assertEquals(i < 1000 ? 0x22 : 0, got[i] & 0xff, "byte " + i);
            }
        }
    }

    @Test
    void writingPastTheEndGrows() throws IOException {
        try (Storage s = create(0)) {
            s.write(Patterns.filled(100, 7), 5000);
            assertEquals(5100, s.size());
            assertArrayEquals(new byte[5000], read(s, 0, 5000));
        }
    }
}

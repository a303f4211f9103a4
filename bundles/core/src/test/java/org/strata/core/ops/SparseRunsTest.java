package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * qemu-img convert's sparse detection: which sector runs of data are written and which left as zeroes (the
 * command tests compare the outcome with qemu-img's on real images; these pin the rules down).
 */
class SparseRunsTest {

    /** A buffer of sectors, data where the pattern has 'd', zero where it has '0'. */
    private static ByteBuffer sectors(String pattern) {
        ByteBuffer b = ByteBuffer.allocate(pattern.length() * 512);
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) == 'd') {
                b.put(i * 512 + 17, (byte) 1);
            }
        }
        return b;
    }

    /** The runs as "d8 z8 d8": data or zero, and their lengths in sectors. */
    private static String runs(String pattern, long firstSector, int min, int align) {
        SparseRuns r = new SparseRuns(sectors(pattern), firstSector, min, align);
        List<String> out = new ArrayList<>();
        for (int s = 0; s < r.sectors(); ) {
            SparseRuns.Run run = r.runAt(s);
            out.add((run.data() ? "d" : "z") + run.sectors());
            s += run.sectors();
        }
        return String.join(" ", out);
    }

    @Test
    void uniformBuffersAreOneRun() {
        assertEquals("d16", runs("dddddddddddddddd", 0, 8, 8));
        assertEquals("z16", runs("0000000000000000", 3, 8, 8));
    }

    @Test
    void alignedZeroRunsOfTheMinimumAreNotWritten() {
        assertEquals("d8 z8 d8", runs("dddddddd00000000dddddddd", 0, 8, 8));
    }

    @Test
    void shorterZeroRunsStayInTheData() {
        assertEquals("d24", runs("dddddddd000000dddddddddd", 0, 8, 8));
        assertEquals("d24", runs("dddddddd00000000dddddddd", 0, 9, 8));
    }

    @Test
    void runEndsMoveToAlignmentBoundaries() {
        // data up to a boundary takes the zeroes before it along; the zero run then starts aligned
        assertEquals("d8 z8 d16", runs("dddd000000000000dddddddddddddddd", 0, 8, 8));
        // a zero head no longer than the way to the next boundary is written with the data after it
        assertEquals("d12", runs("000ddddddddd", 0, 8, 8));
        // ... but where the head ends on a boundary it is left as zeroes
        assertEquals("z3 d9", runs("000ddddddddd", 5, 8, 8));
    }
}

package org.strata.format.vdi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongFunction;

import org.strata.api.CheckResult;

/**
 * QEMU's check of a VDI image, with its messages: every allocated entry must name a data block inside the image,
 * no data block may serve two guest blocks, and the header must count the entries that are in range. Each
 * finding is one corruption.
 */
final class Checker {

    /**
     * Messages kept at most: a hostile map of 2^29 entries could otherwise fill the memory with them (QEMU prints
     * them all); the count of corruptions stays exact.
     */
    static final int MAX_MESSAGES = 10_000;

    private final long blocks;
    private final BitSet used = new BitSet();
    private final List<String> messages = new ArrayList<>();
    private long inRange;
    private long corruptions;
    private long unreported;

    private Checker(long blocks) {
        this.blocks = blocks;
    }

    static CheckResult check(Header header, BlockMap map, long allocatedBlocks) throws IOException {
        Checker c = new Checker(header.blocksInImage());
        map.forEachRun(c::visit);
        if (c.inRange != allocatedBlocks) {
            c.corrupt("ERROR: allocated blocks mismatch, is " + c.inRange + ", should be " + allocatedBlocks);
        }
        if (c.unreported > 0) {
            c.messages.add("ERROR: " + c.unreported + " more errors like these");
        }
        return new CheckResult(0, c.corruptions, 0, 0, 0, 0, 0, 0, 0, 0, List.copyOf(c.messages));
    }

    /** Blocks {@code [first, first + count)}, all with {@code entry}: QEMU's loop, a run at a time. */
    private void visit(long first, long count, int entry) {
        if (!BlockMap.isAllocated(entry)) {
            return;
        }
        long index = Integer.toUnsignedLong(entry);
        if (index < blocks) {
            inRange += count;
            long repeats = count;
            if (!used.get((int) index)) {
                used.set((int) index);
                repeats--;
            }
            // sic: QEMU names the data block twice
            corrupt(repeats, b -> "ERROR: block index " + index + " also used by " + index);
        } else {
            corrupt(count, b -> "ERROR: block index " + (first + b) + " too large, is " + index);
        }
    }

    private void corrupt(String message) {
        corrupt(1, b -> message);
    }

    /** {@code count} corruptions, the {@code i}-th of which {@code message.apply(i)} describes. */
    private void corrupt(long count, LongFunction<String> message) {
        corruptions += count;
        long shown = Math.min(count, MAX_MESSAGES - messages.size());
        for (long i = 0; i < shown; i++) {
            messages.add(message.apply(i));
        }
        unreported += count - shown;
    }
}

package org.strata.itests.powerloss;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.testkit.WriteLog;

/**
 * A guest using its disk one request at a time, each request recorded with the moment it was issued on the clock
 * of the {@link WriteLog} that records what reached the storage. From that, what a power cut at a moment must
 * leave: every sector as the last flush that returned before the cut left it, unless the guest wrote to it since
 * (an unflushed write may be lost, kept or torn, and may even expose what the host cluster held before).
 */
final class Guest {

    static final int SECTOR = 512;

    /** A write (data null: zeroes) issued at moment {@code issued}. */
    private record Write(long issued, long offset, long length, byte[] data) {
    }

    /** A flush issued at {@code issued} that returned at {@code returned}. */
    private record Flush(long issued, long returned) {
    }

    /** What a cut must leave: the guest's bytes, and the sectors that must hold them. */
    record Expectation(byte[] content, BitSet mustHold) {
    }

    private final FormatAccess disk;
    private final WriteLog log;
    private final byte[] initial;
    private final List<Write> writes = new ArrayList<>();
    private final List<Flush> flushes = new ArrayList<>();

    /** A guest of {@code disk}, whose content now is durable (it was on disk before anything ran). */
    Guest(FormatAccess disk, WriteLog log) throws IOException {
        this.disk = disk;
        this.log = log;
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(disk.size()));
        disk.read(all, 0);
        this.initial = all.array();
    }

    long size() {
        return initial.length;
    }

    void write(long offset, byte[] data) throws IOException {
        writes.add(new Write(log.now(), offset, data.length, data));
        disk.write(ByteBuffer.wrap(data), offset);
    }

    void writeZeroes(long offset, long length) throws IOException {
        writes.add(new Write(log.now(), offset, length, null));
        disk.writeZeroes(offset, length);
    }

    /** A discard that must leave zeroes (deallocating what the format can). */
    void discard(long offset, long length) throws IOException {
        writes.add(new Write(log.now(), offset, length, null));
        disk.discardToZero(offset, length);
    }

    void flush() throws IOException {
        long issued = log.now();
        disk.sync();
        flushes.add(new Flush(issued, log.now()));
    }

    /** An internal snapshot; the guest's data stays as it is. */
    void snapshot(String name) throws IOException {
        disk.createSnapshot(name);
    }

    int writes() {
        return writes.size();
    }

    int flushes() {
        return flushes.size();
    }

    /** What a power cut at {@code cut} must leave on the guest's disk. */
    Expectation at(long cut) {
        long flushedBefore = Long.MIN_VALUE;
        for (Flush f : flushes) {
            if (f.returned <= cut) {
                flushedBefore = f.issued;
            }
        }
        byte[] content = initial.clone();
        BitSet mustHold = new BitSet();
        mustHold.set(0, initial.length / SECTOR);
        for (Write w : writes) {
            if (w.issued < flushedBefore) {
                if (w.data == null) {
                    Arrays.fill(content, (int) w.offset, (int) (w.offset + w.length), (byte) 0);
                } else {
                    System.arraycopy(w.data, 0, content, (int) w.offset, w.data.length);
                }
            } else if (w.issued < cut) {
                mustHold.clear((int) (w.offset / SECTOR), (int) ((w.offset + w.length + SECTOR - 1) / SECTOR));
            }
        }
        return new Expectation(content, mustHold);
    }
}

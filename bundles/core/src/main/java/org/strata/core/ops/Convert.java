package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.strata.api.Buffers;
import org.strata.api.FormatAccess;

/**
 * Copies the guest-visible content of one image, or of several joined end to end, into another (qemu-img convert),
 * deciding as qemu-img does:
 * the source's block status says which runs are zeroes (never read: holes, zero clusters, unallocated ranges) and
 * which are data; data is read and, with sparse detection, zero runs of at least the sparse size inside it are
 * not written; zeroes are left alone in a target that reads as zeroes and written as zeroes otherwise; with
 * compression, whole target clusters are written compressed. With a backing file in the target, only what differs
 * from that backing file is written. Chunks are planned in order and copied by parallel workers; unless
 * out-of-order writes are allowed (qemu-img's {@code -W}), the workers read in parallel but write in guest order, so
 * a new target's clusters lie in guest order (and a sequential device is written sequentially).
 *
 * <p>With copy offloading (qemu-img's {@code -C}), and with {@code -S 0}, where data is written as it is read, the
 * storages copy data runs themselves ({@link FormatAccess#copyFrom}: copy_file_range between local files), in
 * the same turns; the first run they cannot copy turns offloading off, and reads and writes take over, as in
 * qemu-img.
 */
public final class Convert implements Operation {

    /**
     * @param sparse       qemu-img's {@code -S}: zero runs in data of at least this many bytes (a multiple of 512)
     *                     are not written; 0 writes everything, zeroes as zero data
     * @param compress     write compressed clusters
     * @param targetIsZero the target reads as zeroes where nothing is written (a new image, or --target-is-zero)
     * @param workers      chunks copied in parallel
     * @param outOfOrder   chunks may be written in any order (else each waits for the one before it)
     * @param copyOffload  data runs are copied by the storages where they can (qemu-img's {@code -C}): no zero
     *                     detection inside data
     */
    public record Settings(int sparse, boolean compress, boolean targetIsZero, int workers, boolean outOfOrder,
                           boolean copyOffload) {
    }

    /** One piece of work: {@code [pos, pos + length)}, all zeroes in the source or not; the seq-th planned. */
    private record Chunk(long seq, long pos, int length, boolean zero) {
    }

    private final Sources src;
    private final FormatAccess dst;
    private final Settings settings;
    private final FormatAccess targetBacking;
    private final int cluster;
    private final int alignSectors;
    private final long size;
    private long planned;
    private long chunksPlanned;
    private final InOrderWrites inOrder = new InOrderWrites();
    /** Data runs go to {@link FormatAccess#copyFrom} (until it copies nothing). */
    private volatile boolean offload;

    /** Copies {@code sources}, joined in this order, into {@code dst}, which is at least as large as they together. */
    public Convert(List<FormatAccess> sources, FormatAccess dst, Settings settings) throws IOException {
        this.src = new Sources(sources);
        this.dst = dst;
        this.settings = settings;
        this.targetBacking = dst.backing();
        long cs = dst.info().clusterSize();
        this.cluster = (int) (cs > 0 ? cs : 65536);
        int minSectors = settings.sparse() / SparseRuns.SECTOR;
        this.alignSectors = Math.max(minSectors <= 0 ? 1 : Integer.highestOneBit(minSectors),
                Math.max(1, dst.reqAlign() / SparseRuns.SECTOR));
        this.size = src.size();
        // -S 0 writes data as it reads it, so a copy leaves the same target; joined sources are read and written
        this.offload = (settings.copyOffload() || settings.sparse() == 0) && !settings.compress()
                && targetBacking == null && src.single() != null;
    }

    @Override
    public void run(JobControl control) throws IOException {
        control.total(size);
        Workers.run("strata-convert", settings.workers(), () -> {
            ByteBuffer buf = src.chunkBuffer(dst);
            ByteBuffer backingBuf = targetBacking == null ? null : Ranges.chunkBuffer(targetBacking, dst);
            for (Chunk c = next(); c != null; c = next()) {
                control.checkCancelled();
                copy(c, buf, backingBuf);
                control.advance(c.length());
            }
        }, failure -> abandon());
        dst.flush();
    }

    /** Stops the run after a failure: no new chunks, no waiting for the turns of chunks that will not come. */
    private synchronized void abandon() {
        planned = size;
        inOrder.abort();
    }

    /**
     * The next chunk, in guest order: one target cluster when compressing, else the source's status run (at most
     * {@link Ranges#CHUNK}, ending on a source cluster boundary where it can).
     */
    private synchronized Chunk next() throws IOException {
        long pos = planned;
        if (pos >= size) {
            return null;
        }
        long n;
        boolean zero;
        if (targetBacking != null) {
            n = Math.min(Ranges.CHUNK, size - pos);
            zero = false;
        } else if (settings.compress()) {
            n = Math.min(cluster - pos % cluster, size - pos);
            Extent e = src.extent(pos, n);
            zero = e.zero() && e.length() == n;
        } else {
            Extent e = src.extent(pos, Math.min(Ranges.CHUNK, size - pos));
            n = e.length();
            long tail = src.pastCluster(pos, pos + n);
            if (n > tail) {
                n -= tail;
            }
            zero = e.zero();
        }
        planned = pos + n;
        return new Chunk(chunksPlanned++, pos, (int) n, zero);
    }

    /**
     * Copies one chunk: reads it through the worker's buffers and compresses it where it is to be written
     * compressed (so the workers compress in parallel), then writes it when its turn comes (so compressed
     * clusters land in guest order).
     */
    private void copy(Chunk c, ByteBuffer buf, ByteBuffer backingBuf) throws IOException {
        if (offload && !c.zero()) {
            submit(c, () -> offloadChunk(c, buf));
            return;
        }
        ByteBuffer data = c.zero() ? null : src.read(c.pos(), c.length(), buf);
        ByteBuffer backing = targetBacking == null ? null
                : Ranges.read(targetBacking, c.pos(), c.length(), backingBuf);
        InOrderWrites.Write write = writesCompressed(c, data) ? dst.compress(data, c.pos())::write
                : () -> writeChunk(c, data, backing);
        submit(c, write);
    }

    private void submit(Chunk c, InOrderWrites.Write write) throws IOException {
        if (settings.outOfOrder()) {
            write.run();
        } else {
            inOrder.submit(c.seq(), write);
        }
    }

    /**
     * Has the storages copy a data chunk, in its turn; what they do not copy is read (into the worker's buffer,
     * free until its chunk is written) and written.
     */
    private void offloadChunk(Chunk c, ByteBuffer buf) throws IOException {
        long copied = dst.copyFrom(src.single(), c.pos(), c.length());
        if (copied == 0) {
            offload = false;
        }
        if (copied < c.length()) {
            Chunk rest = new Chunk(c.seq(), c.pos() + copied, (int) (c.length() - copied), false);
            writeChunk(rest, src.read(rest.pos(), rest.length(), buf), null);
        }
    }

    /** Whether the chunk is written as one compressed cluster (the other writes are {@link #writeChunk}'s). */
    private boolean writesCompressed(Chunk c, ByteBuffer data) {
        return settings.compress() && targetBacking == null && !c.zero() && settings.sparse() != 0
                && !Buffers.isZero(data);
    }

    private void writeChunk(Chunk c, ByteBuffer data, ByteBuffer backing) throws IOException {
        if (targetBacking != null) {
            writeDifferences(c, data, backing);
        } else if (c.zero()) {
            zeroes(c.pos(), c.length());
        } else if (settings.sparse() == 0) {
            write(data, c.pos());
        } else if (settings.compress()) {
            zeroes(c.pos(), c.length()); // all zero: see writesCompressed
        } else {
            writeSparse(data, c.pos());
        }
    }

    /** Writes the data runs of {@code data}; zero runs of at least the sparse size become zeroes. */
    private void writeSparse(ByteBuffer data, long pos) throws IOException {
        SparseRuns runs = new SparseRuns(data, pos / SparseRuns.SECTOR, settings.sparse() / SparseRuns.SECTOR,
                alignSectors);
        int s = 0;
        while (s < runs.sectors()) {
            SparseRuns.Run r = runs.runAt(s);
            int from = s * SparseRuns.SECTOR;
            int len = Math.min(data.remaining() - from, r.sectors() * SparseRuns.SECTOR);
            if (r.data()) {
                write(Buffers.window(data, from, len), pos + from);
            } else {
                zeroes(pos + from, len);
            }
            s += r.sectors();
        }
    }

    private void write(ByteBuffer data, long pos) throws IOException {
        dst.write(data, pos);
    }

    /**
     * Zeroes in the target: nothing to do where it reads as zeroes; with -S 0 written as zero data (the target is
     * fully allocated, as qemu-img makes it); else zeroes that may be unmapped.
     */
    private void zeroes(long pos, long length) throws IOException {
        if (settings.sparse() == 0) {
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(Buffers.zeroChunk(), length - done);
                dst.write(Buffers.zeroes(n), pos + done);
                done += n;
            }
        } else if (!settings.targetIsZero()) {
            dst.discardToZero(pos, length);
        }
    }

    /** With a target backing file: writes only what differs from what that backing file shows. */
    private void writeDifferences(Chunk c, ByteBuffer want, ByteBuffer backing) throws IOException {
        if (!settings.compress()) {
            Ranges.writeDifferences(dst, c.pos(), want, backing, SparseRuns.SECTOR, true);
            return;
        }
        // compressed clusters are written whole
        for (int i = 0; i < c.length(); ) {
            int n = (int) Math.min(c.length() - i, cluster - (c.pos() + i) % cluster);
            ByteBuffer part = Buffers.window(want, i, n);
            if (!part.equals(Buffers.window(backing, i, n))) {
                if (Buffers.isZero(part)) {
                    dst.writeZeroes(c.pos() + i, n);
                } else {
                    dst.writeCompressed(part, c.pos() + i);
                }
            }
            i += n;
        }
    }
}

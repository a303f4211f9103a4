package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.strata.api.Buffers;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;

/**
 * Copies the guest-visible content of one image into another (qemu-img convert). Only what the source's
 * mappings say holds data is read; zero blocks of at least the sparse size are skipped (or zeroed in a target that
 * does not read as zero); with compression, whole clusters are written compressed; with a target backing file,
 * only what differs from it is written.
 */
public final class Convert implements Operation {

    /**
     * @param sparse        zero runs of this many bytes (aligned) become holes; 0 writes everything
     * @param compress      write compressed clusters
     * @param targetIsZero  the target reads as zeroes where nothing is written (a new image without backing file)
     * @param workers       chunks copied in parallel
     */
    public record Settings(int sparse, boolean compress, boolean targetIsZero, int workers) {
    }

    private final FormatAccess src;
    private final FormatAccess dst;
    private final Settings settings;
    private final FormatAccess targetBacking;
    private final int cluster;

    public Convert(FormatAccess src, FormatAccess dst, Settings settings) throws IOException {
        this.src = src;
        this.dst = dst;
        this.settings = settings;
        this.targetBacking = dst.image().backing();
        long cs = dst.image().info().clusterSize();
        this.cluster = (int) (cs > 0 ? cs : 65536);
    }

    @Override
    public void run(JobControl control) throws IOException {
        long size = src.size();
        control.total(size);
        long chunk = settings.compress() ? Math.max(cluster, Ranges.CHUNK / cluster * cluster) : Ranges.CHUNK;
        long chunks = (size + chunk - 1) / chunk;
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, "strata-convert");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < settings.workers(); w++) {
                running.add(pool.submit(() -> {
                    for (long c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                        control.checkCancelled();
                        long start = c * chunk;
                        long len = Math.min(chunk, size - start);
                        copyChunk(start, len);
                        control.advance(len);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    next.set(chunks); // stop the other workers
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new OperationCancelled();
                }
            }
        } finally {
            pool.shutdown();
        }
        dst.flush();
    }

    private void copyChunk(long start, long len) throws IOException {
        if (settings.compress()) {
            // whole clusters are compressed, so the chunk is read whole whatever its mappings
            Mapping m = src.getMapping(start, len);
            if (m.length() == len && isZero(m) && readsZero()) {
                return;
            }
            ByteBuffer data = Ranges.read(src, start, (int) len);
            writeData(data, start);
            return;
        }
        long pos = start;
        long end = start + len;
        while (pos < end) {
            Mapping m = src.getMapping(pos, end - pos);
            int n = (int) m.length();
            if (isZero(m) && targetBacking == null) {
                if (!readsZero()) {
                    dst.writeZeroes(pos, n);
                }
            } else {
                writeData(isZero(m) ? Ranges.read(null, pos, n) : Ranges.read(src, pos, n), pos);
            }
            pos += n;
        }
    }

    private boolean readsZero() {
        return settings.targetIsZero() && targetBacking == null;
    }

    private static boolean isZero(Mapping m) {
        return m instanceof Mapping.Zero || m instanceof Mapping.Eof;
    }

    /** Writes {@code data} at {@code pos}: zero blocks skipped or zeroed, backing data skipped, clusters compressed. */
    private void writeData(ByteBuffer data, long pos) throws IOException {
        if (targetBacking != null) {
            int block = settings.compress() ? cluster : Math.max(512, settings.sparse());
            Ranges.writeDifferences(dst, pos, data, Ranges.read(targetBacking, pos, data.remaining()), block);
            return;
        }
        int block = settings.compress() ? cluster : settings.sparse();
        if (block == 0) {
            dst.write(data, pos);
            return;
        }
        int len = data.remaining();
        int i = 0;
        while (i < len) {
            // blocks follow the guest's alignment, so holes land on whole clusters
            int n = (int) Math.min(len - i, block - Math.floorMod(pos + i, block));
            ByteBuffer part = Buffers.window(data, i, n);
            if (Buffers.isZero(part)) {
                if (!readsZero()) {
                    dst.writeZeroes(pos + i, n);
                }
            } else if (settings.compress() && (n == cluster || pos + i + n == dst.size())) {
                dst.writeCompressed(part, pos + i);
            } else {
                dst.write(part, pos + i);
            }
            i += n;
        }
    }
}

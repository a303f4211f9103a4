package org.strata.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.strata.api.Buffers;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.core.agent.ImageService;

/**
 * {@code image:convert}: qemu-img convert. Reads only what the source's mappings say holds data; zero runs of at
 * least the sparse size become holes (or zeroes in an existing target); {@code -c} writes compressed clusters.
 */
final class ConvertCommand extends ImageCommand {

    private static final int CHUNK = 2 << 20;

    ConvertCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:convert";
    }

    @Override
    public String summary() {
        return "copy an image into another, in any format";
    }

    @Override
    public String usage() {
        return "usage: image:convert [-f FMT] -O OUT_FMT [-o OPTS] [-c] [-p] [-S SPARSE] [-n] [-B BACKING [-F FMT]]\n"
                + "                     [-m N] [-W] [-U] [-t CACHE] [-T SRC_CACHE] [--target-is-zero] [-q] SRC DST\n"
                + "  -O OUT_FMT   the target format             -o OPTS   its creation options\n"
                + "  -c           compress the target           -p        show progress\n"
                + "  -S SPARSE    zero runs of this size become holes (default 4k; 0: write everything)\n"
                + "  -n           the target exists: do not create it\n"
                + "  -B BACKING   the target gets this backing file; only what differs from it is written\n"
                + "  -m N         N parallel workers            -W        allow out-of-order writes";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('O', "output-format").value('o', "options").flag('c', "compress")
                .flag('p', "progress").value('S', "sparse").flag('n', "no-create").value('B', "backing")
                .value('F', "backing-format").value('m', "workers").flag('W', "out-of-order")
                .value('T', "source-cache").flag((char) 0, "target-is-zero").parse(inv.args);
        List<String> files = o.operands(2, 2, "source and target");
        String outFormat = o.get("output-format", "raw");
        int sparse = (int) Sizes.parse(o.get("sparse", "4k"), "sparse size");
        int workers = Integer.parseInt(o.get("workers", "8"));
        if (workers < 1 || workers > 16) {
            throw new UsageException("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
        }
        boolean create = !o.has("no-create");
        boolean targetZero = create || o.has("target-is-zero");
        String backing = o.get("backing");
        Options srcOptions = o;
        try (FormatAccess src = images.opener().open(files.get(0),
                request(inv, srcOptions, "format", false).withDirect(isDirect(o.get("source-cache", "writeback"))))) {
            if (create) {
                Map<String, String> opts = new LinkedHashMap<>(CreateOptions.parse(o.all("options")));
                images.opener().create(files.get(1), outFormat,
                        new CreateRequest(src.size(), opts, backing, o.get("backing-format"), true),
                        inv.openRequest(o));
            }
            try (FormatAccess dst = images.opener().open(files.get(1),
                    request(inv, o, "output-format", true).withForceShare(false))) {
                if (!create && dst.size() < src.size()) {
                    throw new CommandFailure("The target is smaller than the source (" + dst.size() + " < "
                            + src.size() + " bytes)", 1);
                }
                Copier copier = new Copier(src, dst, sparse, o.has("compress"), targetZero && backing == null,
                        dst.image().backing());
                Progress progress = new Progress(inv.out, inv.tty, o.has("progress") && !o.has("quiet"), src.size());
                copier.copyAll(workers, progress);
                dst.flush();
                progress.finish();
            }
        }
        return 0;
    }

    private static boolean isDirect(String cache) {
        return cache.equals("none") || cache.equals("directsync");
    }

    /** Copies guest content chunk by chunk, with several workers. */
    private static final class Copier {
        private final FormatAccess src;
        private final FormatAccess dst;
        private final int sparse;
        private final boolean compress;
        private final boolean targetReadsZero;
        private final FormatAccess targetBacking;
        private final int cluster;

        Copier(FormatAccess src, FormatAccess dst, int sparse, boolean compress, boolean targetReadsZero,
               FormatAccess targetBacking) throws IOException {
            this.src = src;
            this.dst = dst;
            this.sparse = sparse;
            this.compress = compress;
            this.targetReadsZero = targetReadsZero;
            this.targetBacking = targetBacking;
            long cs = dst.image().info().clusterSize();
            this.cluster = (int) (cs > 0 ? cs : 65536);
        }

        void copyAll(int workers, Progress progress) throws Exception {
            long size = src.size();
            long chunk = compress ? Math.max(cluster, CHUNK / cluster * cluster) : CHUNK;
            long chunks = (size + chunk - 1) / chunk;
            AtomicLong next = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "strata-convert");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    running.add(pool.submit(() -> {
                        for (long c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                            long start = c * chunk;
                            long len = Math.min(chunk, size - start);
                            copyChunk(start, len);
                            progress.advance(len);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    }
                }
            } finally {
                pool.shutdown();
            }
        }

        private void copyChunk(long start, long len) throws IOException {
            if (compress) {
                // whole clusters are compressed, so read the whole chunk whatever its mappings
                Mapping m = src.getMapping(start, len);
                if (m.length() == len && (m instanceof Mapping.Zero || m instanceof Mapping.Eof) && targetReadsZero) {
                    return;
                }
                ByteBuffer data = ByteBuffer.allocateDirect((int) len);
                src.read(data, start);
                writeData(data.flip(), start);
                return;
            }
            long pos = start;
            long end = start + len;
            while (pos < end) {
                Mapping m = src.getMapping(pos, end - pos);
                long n = m.length();
                boolean zero = m instanceof Mapping.Zero || m instanceof Mapping.Eof;
                if (zero && targetBacking == null) {
                    if (!targetReadsZero) {
                        dst.writeZeroes(pos, n);
                    }
                } else {
                    ByteBuffer data = ByteBuffer.allocateDirect((int) n);
                    if (zero) {
                        Buffers.fillZero(data);
                        data.flip();
                    } else {
                        src.read(data, pos);
                        data.flip();
                    }
                    writeData(data, pos);
                }
                pos += n;
            }
        }

        /** Writes {@code data} at {@code pos}, skipping or zeroing zero blocks and what the backing already has. */
        private void writeData(ByteBuffer data, long pos) throws IOException {
            int block = compress ? cluster : Math.max(sparse, targetBacking != null ? 512 : 0);
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
                boolean isZero = Buffers.isZero(part);
                if (targetBacking != null) {
                    ByteBuffer below = ByteBuffer.allocateDirect(n);
                    targetBacking.read(below, pos + i);
                    if (below.flip().equals(part)) {
                        i += n;
                        continue;
                    }
                }
                if (isZero) {
                    if (!targetReadsZero) {
                        dst.writeZeroes(pos + i, n);
                    }
                } else if (compress && n == cluster || compress && pos + i + n == dst.size()) {
                    dst.writeCompressed(part, pos + i);
                } else {
                    dst.write(part, pos + i);
                }
                i += n;
            }
        }
    }
}

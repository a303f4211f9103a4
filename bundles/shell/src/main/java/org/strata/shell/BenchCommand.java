package org.strata.shell;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.strata.api.Buffers;
import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;

/** {@code image:bench}: qemu-img bench, with its options and output. */
final class BenchCommand extends ImageCommand {

    BenchCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:bench";
    }

    @Override
    public String summary() {
        return "measure read or write throughput (qemu-img bench)";
    }

    @Override
    public String usage() {
        return "usage: image:bench [-f FMT] [-c COUNT] [-d DEPTH] [-s SIZE] [-S STEP] [-o OFFSET] [-w]\n"
                + "                   [-t none|writeback] [--pattern=N] [--flush-interval=N] [-U] [-q] FILE\n"
                + "  -c COUNT   requests in all (default 75000)    -d DEPTH  requests in flight (default 64)\n"
                + "  -s SIZE    bytes per request (default 4096)   -S STEP   offset step (default SIZE)\n"
                + "  -o OFFSET  first offset (default 0)           -w        write instead of read\n"
                + "  --pattern=N  byte written with -w (default 0)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('c', "count").value('d', "depth").value('s', "size").value('S', "step")
                .value('o', "offset").flag('w', "write").value((char) 0, "pattern")
                .value((char) 0, "flush-interval").flag((char) 0, "no-drain").value('i', "aio").flag('n', "native")
                .parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        long count = Long.parseLong(o.get("count", "75000"));
        int depth = Integer.parseInt(o.get("depth", "64"));
        int size = (int) Sizes.parse(o.get("size", "4096"), "buffer size");
        long step = o.has("step") ? Sizes.parse(o.get("step"), "step size") : size;
        long offset = o.has("offset") ? Sizes.parse(o.get("offset"), "offset") : 0;
        boolean write = o.has("write");
        int pattern = Integer.decode(o.get("pattern", "0")) & 0xff;
        long flushInterval = Long.parseLong(o.get("flush-interval", "0"));
        if (depth < 1 || count < 0 || size < 1) {
            throw new UsageException("Invalid count, depth or size");
        }
        if (!o.has("quiet")) {
            inv.out.printf("Sending %d %s requests, %d bytes each, %d in parallel (starting at offset %d, step size"
                    + " %d)%n", count, write ? "write" : "read", size, depth, offset, step);
        }
        try (FormatAccess image = open(inv, o, file, write)) {
            long imageSize = image.size();
            long span = imageSize - size;
            AtomicLong next = new AtomicLong();
            AtomicLong sinceFlush = new AtomicLong();
            int align = Math.max(image.memAlign(), 512);
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(depth, r -> {
                Thread t = new Thread(r, "strata-bench");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < depth; w++) {
                    workers.add(pool.submit(() -> {
                        ByteBuffer buf = Buffers.allocateAligned(size, align);
                        if (write) {
                            while (buf.hasRemaining()) {
                                buf.put((byte) pattern);
                            }
                        }
                        for (long k = next.getAndIncrement(); k < count; k = next.getAndIncrement()) {
                            // as qemu-img bench: advance by the step, wrapping inside the image
                            long off = span <= 0 ? 0 : Math.floorMod(offset + k * step, span);
                            buf.clear();
                            if (write) {
                                image.write(buf, off);
                                if (flushInterval > 0 && sinceFlush.incrementAndGet() % flushInterval == 0) {
                                    image.flush();
                                }
                            } else {
                                image.read(buf, off);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : workers) {
                    f.get();
                }
                if (write) {
                    image.flush();
                }
            } finally {
                pool.shutdown();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            inv.out.printf("Run completed in %.3f seconds.%n", secs);
        }
        return 0;
    }
}

package org.strata.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.strata.api.Buffers;
import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.ops.Workers;

/** {@code image:bench}: qemu-img bench, with its options and output. */
final class BenchCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:bench", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('c', "count", "COUNT", "requests in all (default 75000)")
            .value('d', "depth", "DEPTH", "requests in flight (default 64)")
            .value('s', "size", "SIZE", "bytes per request (default 4096)")
            .value('S', "step", "STEP", "offset step (default SIZE)")
            .value('o', "offset", "OFFSET", "first offset (default 0)")
            .flag('w', "write", "write instead of read")
            .value((char) 0, "pattern", "N", "the byte written with -w (default 0)")
            .value((char) 0, "flush-interval", "N", "flush after every N writes (at least DEPTH)")
            .flag((char) 0, "no-drain", "with --flush-interval: flush without waiting for the writes in flight")
            .value('t', "cache", "CACHE", CACHE_HELP)
            .value('i', "aio", "AIO", "threads (default), native or io_uring: accepted as qemu-img does, all alike")
            .flag('n', "native", "accepted as qemu-img does, no effect")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP));

    BenchCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "measure read or write throughput (qemu-img bench)";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        long count = number(o.get("count", "75000"), "Invalid request count specified");
        long depth = number(o.get("depth", "64"), "Invalid queue depth specified");
        if (depth < 1) {
            throw new CommandFailure("Invalid queue depth specified", 1);
        }
        long size = size(o.get("size", "4096"), "buffer size");
        if (size > Integer.MAX_VALUE) {
            throw new CommandFailure("Invalid buffer size specified", 1);
        }
        long step = size(o.get("step", "0"), "step_size");
        long offset = size(o.get("offset", "0"), "offset");
        boolean write = o.has("write");
        long pattern = number(o.get("pattern", "0"), "Invalid pattern byte specified");
        if (pattern > 0xff) {
            throw new CommandFailure("Invalid pattern byte specified", 1);
        }
        long flushInterval = number(o.get("flush-interval", "0"), "Invalid flush interval specified");
        String aio = o.get("aio", "threads");
        if (!List.of("threads", "native", "io_uring").contains(aio)) {
            throw new CommandFailure("Invalid aio option: " + aio, 1);
        }
        if (CacheMode.byName(o.get("cache", CacheMode.WRITEBACK.toString())).isEmpty()) {
            // qemu-img bench's own message
            throw new CommandFailure("Invalid cache mode", 1);
        }
        if (flushInterval > 0 && flushInterval < depth) {
            throw new CommandFailure("Flush interval can't be smaller than depth", 1);
        }
        if (flushInterval > 0 && !write) {
            throw new CommandFailure("--flush-interval is only available in write tests", 1);
        }
        // as qemu-img bench: a step of 0 is the request size, and -q does not silence it
        long stride = step == 0 ? size : step;
        try (FormatAccess image = open(inv, o, file, write)) {
            inv.out.printf("Sending %d %s requests, %d bytes each, %d in parallel (starting at offset %d, step size"
                    + " %d)%n", count, write ? "write" : "read", size, depth, offset, stride);
            if (flushInterval > 0) {
                inv.out.printf("Sending flush every %d requests%n", flushInterval);
            }
            Requests requests = new Requests(count, offset, stride, image.size(), (int) size);
            long start = System.nanoTime();
            runWorkers(image, requests, (int) Math.min(depth, Math.max(1, count)), (int) size, write, (int) pattern,
                    flushInterval);
            double secs = (System.nanoTime() - start) / 1e9;
            inv.out.printf("Run completed in %.3f seconds.%n", secs);
            if (write) {
                image.flush(); // as qemu-img bench: at close, after the time is taken
            }
        }
        return 0;
    }

    /**
     * The requests' offsets, in the order qemu-img bench sends them: the first at the start offset, each next one
     * a step further, wrapping at the image's end. A request that does not fit fails the run.
     */
    private static final class Requests {
        private final long count;
        private final long step;
        private final long imageSize;
        private final int size;
        private long sent;
        private long next;

        Requests(long count, long offset, long step, long imageSize, int size) {
            this.count = count;
            this.next = offset;
            this.step = step;
            this.imageSize = imageSize;
            this.size = size;
        }

        /** The next request's offset, or -1 when all are sent (or the run stopped). */
        synchronized long next() throws IOException {
            if (sent == count) {
                return -1;
            }
            long off = next;
            if (off > imageSize || imageSize - off < size) {
                stop();
                throw new IOException("Failed request: Input/output error");
            }
            sent++;
            next = imageSize == 0 ? 0 : Math.floorMod(off + step, imageSize);
            return off;
        }

        /** Sends no more requests (after one failed). */
        synchronized void stop() {
            sent = count;
        }
    }

    private static void runWorkers(FormatAccess image, Requests requests, int workers, int size, boolean write,
                                   int pattern, long flushInterval) throws IOException {
        int align = Math.max(image.memAlign(), 512);
        AtomicLong done = new AtomicLong();
        Workers.run("strata-bench", workers, () -> {
            ByteBuffer buf = Buffers.allocateAligned(Math.max(size, 1), align).limit(size);
            if (write) {
                // filled once, as qemu-img bench fills its buffers: a write leaves its buffer's bytes as they are
                while (buf.hasRemaining()) {
                    buf.put((byte) pattern);
                }
            }
            for (long off = requests.next(); off >= 0; off = requests.next()) {
                buf.clear().limit(size);
                if (write) {
                    image.write(buf, off);
                    if (flushInterval > 0 && done.incrementAndGet() % flushInterval == 0) {
                        image.flush();
                    }
                } else {
                    image.read(buf, off);
                }
            }
        }, failure -> requests.stop());
    }

    /** A plain non-negative number, or the failure {@code message}. */
    private static long number(String s, String message) throws CommandFailure {
        try {
            long v = Long.decode(s);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandFailure(message, 1);
    }
}

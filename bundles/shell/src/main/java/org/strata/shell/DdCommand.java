package org.strata.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;

/**
 * {@code image:dd}: qemu-img dd. Copies the input from block {@code skip} up to block {@code count} (both counted
 * from the input's start, as qemu-img counts them) into a new image of that size; a skip past the end makes an
 * empty image, with a warning. As qemu-img, every byte is written (zeroes too) and an output left behind by a
 * failure stays.
 */
final class DdCommand extends ImageCommand {

    /** The copy's buffer: qemu-img copies {@code bs} bytes at a time, which only changes how fast it goes. */
    private static final int CHUNK = 1 << 20;

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:dd",
            "[bs=BYTES] [count=BLOCKS] [skip=BLOCKS] if=INPUT of=OUTPUT")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('O', "output-format", "OUT_FMT", "the format of the new image (default raw)")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .operand("bs=BYTES", "the block size (default 512; suffixes k, M, G, ...)")
            .operand("count=BLOCKS", "copy only the input's first BLOCKS blocks")
            .operand("skip=BLOCKS", "start copying after the input's first BLOCKS blocks")
            .operand("if=INPUT", "the image read")
            .operand("of=OUTPUT", "the image created"));

    /** What the operands ask for; count and skip are -1 when not given. */
    private record Request(long blockSize, long count, long skip, String input, String output) {

        /** Reads the operands as qemu-img dd does: the last of each counts, an unknown one is an error. */
        static Request parse(List<String> operands) throws CommandFailure {
            long blockSize = 512;
            long count = -1;
            long skip = -1;
            String input = null;
            String output = null;
            for (String operand : operands) {
                int eq = operand.indexOf('=');
                String key = eq < 0 ? operand : operand.substring(0, eq);
                String value = operand.substring(eq + 1);
                switch (key) {
                    case "bs" -> blockSize = size(value, "bs", 1, Integer.MAX_VALUE);
                    case "count" -> count = size(value, "count");
                    case "skip" -> skip = size(value, "skip");
                    case "if" -> input = value;
                    case "of" -> output = value;
                    default -> throw new CommandFailure("unrecognized operand " + key, 1);
                }
            }
            if (input == null || output == null) {
                throw new CommandFailure("Must specify both input and output files", 1);
            }
            return new Request(blockSize, count, skip, input, output);
        }

        /** Where the copy ends: the input's size, or {@code count} blocks when they end before it. */
        long end(long inputSize) {
            return count >= 0 && count <= Long.MAX_VALUE / blockSize && count * blockSize < inputSize
                    ? count * blockSize : inputSize;
        }

        /** Where the copy starts, or -1 when {@code skip} lies past {@code end}. */
        long start(long end) {
            if (skip < 0) {
                return 0;
            }
            return skip > Long.MAX_VALUE / blockSize || skip * blockSize > end ? -1 : skip * blockSize;
        }
    }

    DdCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "copy an image, or part of it, into a new image (qemu-img dd)";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        Request dd = Request.parse(o.operands());
        try (FormatAccess src = open(inv, o, dd.input(), false)) {
            FormatDriver driver = outputDriver(o.get("output-format", "raw"));
            long end = dd.end(src.size());
            long start = dd.start(end);
            try {
                images.opener().create(dd.output(), driver.name(),
                        new CreateRequest(start < 0 ? 0 : end - start, Map.of(), null, null, false),
                        baseRequest(inv, o).build());
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandFailure(dd.output() + ": error while creating output image: " + Errors.oneLine(e), 1,
                        e);
            }
            try (FormatAccess dst = open(inv, dd.output(),
                    baseRequest(inv, o).format(driver.name()).writable(true).build())) {
                if (start < 0) {
                    // as dd(1) and qemu-img: an empty image
                    inv.err.println(name() + ": " + dd.input() + ": cannot skip to specified offset");
                    return 0;
                }
                copy(src, start, end, dst);
            }
        }
        return 0;
    }

    private FormatDriver outputDriver(String name) throws CommandFailure {
        try {
            return formatDriver(name);
        } catch (CommandFailure e) {
            throw new CommandFailure("Unknown file format", 1, e);
        }
    }

    private static void copy(FormatAccess src, long start, long end, FormatAccess dst) throws CommandFailure {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, end - start));
        for (long in = start; in < end; in += buf.limit()) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - in));
            try {
                src.read(buf, in);
            } catch (IOException e) {
                throw new CommandFailure("error while reading from input image file: " + Errors.oneLine(e), 1, e);
            }
            try {
                dst.write(buf.flip(), in - start);
            } catch (IOException e) {
                throw new CommandFailure("error while writing to output image file: " + Errors.oneLine(e), 1, e);
            }
        }
    }
}

package org.strata.shell;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.FormatAccess;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;
import org.strata.core.ops.Extent;

/** {@code image:compare}: qemu-img compare. Exit 0 identical, 1 different, 2 error. */
final class CompareCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:compare", "A B")
            .value('f', "format", "FMT", "the format of A (probed when not given)")
            .value('F', "format-b", "FMT", "the format of B (probed when not given)")
            .value('T', "source-cache", "SRC_CACHE", SOURCE_CACHE_HELP)
            .flag('s', "strict", "strict: sizes and allocation must match too")
            .flag('p', "progress", "show progress")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .note("exit status: 0 identical, 1 different, 2 error"));

    private static final int CHUNK = 1 << 20;
    private static final int SECTOR = 512;

    CompareCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "compare the guest-visible content of two images";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        // a usage error exits 1, as in qemu-img (which exits 2 only once it could not open or read an image)
        Options o = OPTIONS.parse(inv.args);
        java.util.List<String> files = o.operands(2, "two image file names");
        boolean quiet = o.has("quiet");
        boolean strict = o.has("strict");
        try (FormatAccess a = openOrFail(inv, o, files.get(0), "format");
             FormatAccess b = openOrFail(inv, o, files.get(1), "format-b")) {
            Progress progress = new Progress(inv.out, o.has("progress") && !quiet, 1);
            progress.total(Math.max(a.size(), b.size()));
            String mismatch = firstMismatch(a, b, strict, inv, quiet, progress);
            if (!quiet) {
                inv.out.println(mismatch != null ? mismatch : "Images are identical.");
            }
            progress.endLine(); // as qemu-img compare: the verdict follows the last figure, then the line ends
            return mismatch != null ? 1 : 0;
        } catch (IOException e) {
            throw new CommandFailure(Errors.oneLine(e), 4, e);
        }
    }

    private FormatAccess openOrFail(Invocation inv, Options o, String file, String formatOption)
            throws CommandFailure {
        try {
            return images.opener().open(file, request(inv, o, formatOption, false, sourceCacheMode(o)).build());
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(Errors.oneLine(e), 2, e);
        }
    }

    /**
     * qemu-img compare's walk: the chains' block status decides what is read; where both read zeroes nothing
     * is; where only one allocates, that one must read zeroes; in strict mode the sizes and the status must match.
     *
     * @return the line describing the first mismatch, or null when the guest contents are equal
     */
    private static String firstMismatch(FormatAccess a, FormatAccess b, boolean strict, Invocation inv,
                                        boolean quiet, Progress progress) throws IOException {
        long sizeA = a.size();
        long sizeB = b.size();
        if (strict && sizeA != sizeB) {
            return "Strict mode: Image size mismatch!";
        }
        long common = Math.min(sizeA, sizeB);
        long pos = 0;
        while (pos < common) {
            Extent ea = Extent.above(a, pos, sizeA - pos);
            Extent eb = Extent.above(b, pos, sizeB - pos);
            long chunk = Math.min(ea.length(), eb.length());
            if (strict && !ea.sameStatus(eb)) {
                return "Strict mode: Offset " + pos + " block status mismatch!";
            }
            if (!(ea.zero() && eb.zero())) {
                chunk = Math.min(chunk, CHUNK);
                long at = ea.allocated() == eb.allocated() ? (ea.allocated() ? firstDifference(a, b, pos, chunk) : -1)
                        : firstNonZero(ea.allocated() ? a : b, pos, chunk);
                if (at >= 0) {
                    return "Content mismatch at offset " + at + "!";
                }
            }
            pos += chunk;
            progress.advance(chunk);
        }
        if (sizeA != sizeB) {
            if (!quiet) {
                inv.out.println("Warning: Image size mismatch!");
            }
            FormatAccess larger = sizeA > sizeB ? a : b;
            long end = larger.size();
            while (pos < end) {
                Extent e = Extent.above(larger, pos, end - pos);
                long chunk = e.length();
                if (e.allocated() && !e.zero()) {
                    chunk = Math.min(chunk, CHUNK);
                    long at = firstNonZero(larger, pos, chunk);
                    if (at >= 0) {
                        return "Content mismatch at offset " + at + "!";
                    }
                }
                pos += chunk;
                progress.advance(chunk);
            }
        }
        return null;
    }

    /** The first differing 512-byte sector of {@code [pos, pos + len)} (counted from pos), or -1. */
    private static long firstDifference(FormatAccess a, FormatAccess b, long pos, long len) throws IOException {
        ByteBuffer ba = ByteBuffer.allocate((int) len);
        ByteBuffer bb = ByteBuffer.allocate((int) len);
        a.read(ba, pos);
        b.read(bb, pos);
        int i = ba.flip().mismatch(bb.flip());
        return i < 0 ? -1 : pos + (long) i / SECTOR * SECTOR;
    }

    /** The first sector of {@code [pos, pos + len)} that holds a non-zero byte, or -1. */
    private static long firstNonZero(FormatAccess image, long pos, long len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) len);
        image.read(buf, pos);
        byte[] bytes = buf.array();
        for (int i = 0; i < len; i++) {
            if (bytes[i] != 0) {
                return pos + (long) i / SECTOR * SECTOR;
            }
        }
        return -1;
    }
}

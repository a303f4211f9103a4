package org.strata.shell;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;

/** {@code image:compare}: qemu-img compare. Exit 0 identical, 1 different, 2 error. */
final class CompareCommand extends ImageCommand {

    private static final int CHUNK = 1 << 20;
    private static final int SECTOR = 512;

    CompareCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:compare";
    }

    @Override
    public String summary() {
        return "compare the guest-visible content of two images";
    }

    @Override
    public String usage() {
        return "usage: image:compare [-f FMT] [-F FMT] [-s] [-U] [-q] A B\n"
                + "  -f FMT   the format of A;  -F FMT  the format of B\n"
                + "  -s       strict: sizes and allocation must match too\n"
                + "  exit status: 0 identical, 1 different, 2 error";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o;
        java.util.List<String> files;
        try {
            o = spec().value('F', "format-b").flag('s', "strict").parse(inv.args);
            files = o.operands(2, 2, "two image file names");
        } catch (UsageException e) {
            throw new CommandFailure(e.getMessage(), 2);
        }
        boolean quiet = o.has("quiet");
        boolean strict = o.has("strict");
        try (FormatAccess a = openOrFail(inv, o, files.get(0), "format");
             FormatAccess b = openOrFail(inv, o, files.get(1), "format-b")) {
            long common = Math.min(a.size(), b.size());
            long diff = firstDifference(a, b, 0, common, strict);
            if (diff >= 0) {
                return report(inv, quiet, "Content mismatch at offset " + diff + "!");
            }
            if (a.size() != b.size()) {
                if (strict) {
                    return report(inv, quiet, "Strict mode: Image size mismatch!");
                }
                if (!quiet) {
                    inv.out.println("Warning: Image size mismatch!");
                }
                FormatAccess larger = a.size() > b.size() ? a : b;
                long nonZero = firstNonZero(larger, common, larger.size());
                if (nonZero >= 0) {
                    return report(inv, quiet, "Content mismatch at offset " + nonZero + "!");
                }
            }
        } catch (StrictMismatch e) {
            return report(inv, quiet, "Strict mode: Offset " + e.offset + " block status mismatch!");
        } catch (IOException e) {
            throw new CommandFailure(Errors.oneLine(e), 2, e);
        }
        if (!quiet) {
            inv.out.println("Images are identical.");
        }
        return 0;
    }

    private FormatAccess openOrFail(Invocation inv, Options o, String file, String formatOption)
            throws CommandFailure {
        try {
            return images.opener().open(file, request(inv, o, formatOption, false));
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(Errors.oneLine(e), 2, e);
        }
    }

    private static int report(Invocation inv, boolean quiet, String message) {
        if (!quiet) {
            inv.out.println(message);
        }
        return 1;
    }

    /** Thrown in strict mode when one image has data where the other has none. */
    private static final class StrictMismatch extends IOException {
        private static final long serialVersionUID = 1L;
        final long offset;

        StrictMismatch(long offset) {
            super("block status mismatch");
            this.offset = offset;
        }
    }

    /** The first differing offset (sector-aligned as qemu reports it), or -1. */
    private static long firstDifference(FormatAccess a, FormatAccess b, long start, long end, boolean strict)
            throws IOException {
        long pos = start;
        while (pos < end) {
            Mapping ma = a.getMapping(pos, Math.min(CHUNK, end - pos));
            Mapping mb = b.getMapping(pos, ma.length());
            int n = (int) Math.min(ma.length(), mb.length());
            boolean zeroA = ma instanceof Mapping.Zero || ma instanceof Mapping.Eof;
            boolean zeroB = mb instanceof Mapping.Zero || mb instanceof Mapping.Eof;
            if (strict && allocated(ma) != allocated(mb)) {
                throw new StrictMismatch(pos);
            }
            if (!(zeroA && zeroB)) {
                ByteBuffer ba = ByteBuffer.allocate(n);
                ByteBuffer bb = ByteBuffer.allocate(n);
                a.read(ba, pos);
                b.read(bb, pos);
                int i = ba.flip().mismatch(bb.flip());
                if (i >= 0) {
                    return (pos + i) / SECTOR * SECTOR;
                }
            }
            pos += n;
        }
        return -1;
    }

    private static boolean allocated(Mapping m) {
        return m instanceof Mapping.Raw || m instanceof Mapping.Special
                || m instanceof Mapping.Zero z && z.explicit();
    }

    private static long firstNonZero(FormatAccess image, long start, long end) throws IOException {
        long pos = start;
        while (pos < end) {
            Mapping m = image.getMapping(pos, Math.min(CHUNK, end - pos));
            int n = (int) m.length();
            if (!(m instanceof Mapping.Zero || m instanceof Mapping.Eof)) {
                ByteBuffer buf = ByteBuffer.allocate(n);
                image.read(buf, pos);
                byte[] bytes = buf.array();
                for (int i = 0; i < n; i++) {
                    if (bytes[i] != 0) {
                        return (pos + i) / SECTOR * SECTOR;
                    }
                }
            }
            pos += n;
        }
        return -1;
    }
}

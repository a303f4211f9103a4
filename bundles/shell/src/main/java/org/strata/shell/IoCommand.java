package org.strata.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;

/**
 * {@code image:io}: a qemu-io subset. Each {@code -c} runs one of {@code read [-P PATTERN] [-q] OFF LEN},
 * {@code write [-P PATTERN] [-z] [-c] [-q] OFF LEN}, {@code discard OFF LEN}, {@code flush}, printing as qemu-io does.
 */
final class IoCommand extends ImageCommand {

    IoCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:io";
    }

    @Override
    public String summary() {
        return "read, write, zero and discard ranges of an image (a qemu-io subset)";
    }

    @Override
    public String usage() {
        return "usage: image:io [-f FMT] [-U] [-t CACHE] -c CMD [-c CMD...] FILE\n"
                + "  commands:\n"
                + "    read [-P PATTERN] [-q] OFFSET LENGTH       read; with -P check every byte is PATTERN\n"
                + "    write [-P PATTERN] [-z] [-c] [-q] OFFSET LENGTH\n"
                + "                                  write PATTERN (default 0xcd); -z zeroes; -c compressed\n"
                + "    discard [-q] OFFSET LENGTH                  discard (reads as zeroes after)\n"
                + "    flush                                      write everything back\n"
                + "  OFFSET and LENGTH take the suffixes K, M, G, T; the status is non-zero when a command fails";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('t', "cache").value('c', "cmd").parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        List<IoOp> ops = new ArrayList<>();
        for (String c : o.all("cmd")) {
            ops.add(IoOp.parse(c));
        }
        boolean writes = ops.stream().anyMatch(IoOp::writes);
        int status = 0;
        try (FormatAccess image = open(inv, o, file, writes)) {
            for (IoOp op : ops) {
                if (!op.run(image, inv)) {
                    status = 1;
                }
            }
        }
        return status;
    }

    /** One parsed qemu-io command. */
    record IoOp(String verb, long offset, long length, Integer pattern, boolean zero, boolean compressed,
                boolean quiet) {

        static IoOp parse(String command) {
            List<String> words = new ArrayList<>(List.of(command.trim().split("\\s+")));
            String verb = words.remove(0);
            Options o = new Options.Spec().value('P', "pattern").flag('z', "zero").flag('c', "compressed")
                    .flag('q', "quiet").flag('u', "unmap").parse(words);
            Integer pattern = o.has("pattern") ? (int) number(o.get("pattern")) & 0xff : null;
            return switch (verb) {
                case "read", "write", "discard" -> {
                    List<String> args = o.operands(2, 2, "offset and length for " + verb);
                    yield new IoOp(verb, number(args.get(0)), number(args.get(1)), pattern, o.has("zero"),
                            o.has("compressed"), o.has("quiet"));
                }
                case "flush" -> new IoOp(verb, 0, 0, null, false, false, true);
                default -> throw new UsageException("unknown io command '" + verb + "'");
            };
        }

        boolean writes() {
            return verb.equals("write") || verb.equals("discard");
        }

        /** Runs the command; false when it failed or a pattern check found other data. */
        boolean run(FormatAccess image, Invocation inv) throws IOException {
            long start = System.nanoTime();
            try {
                switch (verb) {
                    case "read" -> {
                        if (!read(image, inv)) {
                            return false;
                        }
                    }
                    case "write" -> write(image);
                    case "discard" -> image.discardToZero(offset, length);
                    default -> image.flush();
                }
            } catch (IOException | RuntimeException e) {
                inv.out.println(verb + " failed: " + org.strata.core.image.Errors.oneLine(e));
                return false;
            }
            if (!quiet) {
                String done = switch (verb) {
                    case "read" -> "read";
                    case "write" -> "wrote";
                    default -> "discard";
                };
                inv.out.printf("%s %d/%d bytes at offset %d%n", done, length, length, offset);
                double secs = (System.nanoTime() - start) / 1e9;
                inv.out.printf("%s, 1 ops; %s sec (%.3f %s/sec and %.4f ops/sec)%n", Sizes.human(length),
                        elapsed(secs), rate(length, secs)[0], rate(length, secs)[1], 1 / Math.max(secs, 1e-9));
            }
            return true;
        }

        private boolean read(FormatAccess image, Invocation inv) throws IOException {
            long done = 0;
            while (done < length) {
                int n = (int) Math.min(1 << 20, length - done);
                ByteBuffer buf = ByteBuffer.allocate(n);
                image.read(buf, offset + done);
                if (pattern != null) {
                    byte[] b = buf.array();
                    for (int i = 0; i < n; i++) {
                        if ((b[i] & 0xff) != pattern) {
                            inv.out.printf("Pattern verification failed at offset %d, %d bytes%n", offset + done + i,
                                    length);
                            return false;
                        }
                    }
                }
                done += n;
            }
            return true;
        }

        private void write(FormatAccess image) throws IOException {
            if (zero) {
                image.writeZeroes(offset, length);
                return;
            }
            int p = pattern != null ? pattern : 0xcd;
            int chunk = compressed ? (int) Math.max(512, image.image().info().clusterSize()) : 1 << 20;
            long done = 0;
            while (done < length) {
                int n = (int) Math.min(chunk, length - done);
                byte[] b = new byte[n];
                java.util.Arrays.fill(b, (byte) p);
                if (compressed) {
                    image.writeCompressed(ByteBuffer.wrap(b), offset + done);
                } else {
                    image.write(ByteBuffer.wrap(b), offset + done);
                }
                done += n;
            }
        }

        private static String elapsed(double secs) {
            long whole = (long) secs;
            return String.format("%02d.%02d", whole, (long) ((secs - whole) * 100));
        }

        private static Object[] rate(long bytes, double secs) {
            double perSec = bytes / Math.max(secs, 1e-9);
            String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
            int i = 0;
            while (perSec >= 1024 && i < units.length - 1) {
                perSec /= 1024;
                i++;
            }
            return new Object[] {perSec, units[i]};
        }
    }

    /** A qemu-io number: decimal or 0x hexadecimal bytes, or a size with a suffix. */
    static long number(String s) {
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return Long.parseLong(s.substring(2), 16);
        }
        return Sizes.parse(s, "number");
    }
}

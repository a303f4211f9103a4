package org.strata.shell;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.strata.api.FormatAccess;
import org.strata.api.Sizes;
import org.strata.api.UnsupportedFeatureException;
import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.image.Errors;

/**
 * One qemu-io command line of {@code image:io}, checked as qemu-io 7.2 checks it and printing what it prints:
 * its messages (on stdout, except the command-line errors qemu-io writes to stderr), its statistics lines, and
 * "Input/output error" for a request that does not lie inside the image.
 */
record IoRequest(Verb verb, long offset, long length, Integer pattern, boolean zero, boolean unmap,
                 boolean compressed, boolean quiet) {

    /** qemu-io's limit on one request: {@code BDRV_REQUEST_MAX_BYTES}. */
    static final long MAX_BYTES = Integer.MAX_VALUE & ~511L;

    /** The commands of the subset, with qemu-io's short names, argument counts and one-line help. */
    enum Verb {
        READ("read", "r", 2, "[-q] [-P pattern] off len", "reads a number of bytes at a specified offset"),
        WRITE("write", "w", 2, "[-cquz] [-P pattern] off len", "writes a number of bytes at a specified offset"),
        DISCARD("discard", "d", 2, "[-q] off len", "discards a number of bytes at a specified offset"),
        FLUSH("flush", "f", 0, "", "flush all in-core file state to disk");

        final String name;
        final String shortName;
        /** At least this many arguments; flush takes none. */
        final int arguments;
        final String args;
        final String oneLine;

        Verb(String name, String shortName, int arguments, String args, String oneLine) {
            this.name = name;
            this.shortName = shortName;
            this.arguments = arguments;
            this.args = args;
            this.oneLine = oneLine;
        }

        static Verb named(String word) {
            return Arrays.stream(values()).filter(v -> v.name.equals(word) || v.shortName.equals(word)).findFirst()
                    .orElse(null);
        }

        /** The options of read, write and discard (flush takes none), whose errors read as qemu-io's. */
        Options.Spec options() {
            Options.Spec spec = new Options.Spec(name, args).getoptMessages().flag('q', "quiet", "print no statistics");
            if (this != DISCARD) {
                spec.value('P', "pattern", "PATTERN", this == WRITE ? "the byte written (default 0xcd)"
                        : "check that every byte read is PATTERN").repeatable();
            }
            return this != WRITE ? spec : spec.flag('c', "compressed", "write compressed data")
                    .flag('u', "unmap", "with -z: the zeroes may be deallocated").flag('z', "zero", "write zeroes");
        }

        /** qemu-io's usage line, printed when the arguments do not fit. */
        String usage() {
            return name + " " + args + " -- " + oneLine;
        }

        boolean writes() {
            return this == WRITE || this == DISCARD;
        }

        /** The word of its statistics line. */
        String done() {
            return this == WRITE ? "wrote" : name;
        }
    }

    /** Whether the line is a command that changes the image (so the image is opened for writing). */
    static boolean writes(String line) {
        List<String> words = words(line);
        Verb v = words.isEmpty() ? null : Verb.named(words.get(0));
        return v != null && v.writes();
    }

    /**
     * Parses and runs one line; false when it failed (having printed why) or a pattern check found other data.
     *
     * @param readOnly whether the image was opened with {@code -r}: commands that write fail once their argument
     *                 count is right, before their options are read, as in qemu-io
     */
    static boolean run(String line, FormatAccess image, boolean readOnly, PrintStream out, PrintStream err) {
        List<String> words = words(line);
        if (words.isEmpty()) {
            return true;
        }
        String word = words.get(0);
        Verb verb = Verb.named(word);
        if (verb == null) {
            err.println("command \"" + word + "\" not found");
            return false;
        }
        int count = words.size() - 1;
        if (verb == Verb.FLUSH ? count != 0 : count < verb.arguments) {
            err.printf("bad argument count %d to %s, expected %s%d arguments%n", count, word,
                    verb == Verb.FLUSH ? "" : "at least ", verb.arguments);
            return false;
        }
        if (readOnly && verb.writes()) {
            err.println("image:io: Block node is read-only");
            return false;
        }
        IoRequest request = parse(verb, word, words.subList(1, words.size()), out, err);
        return request != null && request.run(image, out);
    }

    /** qemu-io splits a command line at spaces. */
    private static List<String> words(String line) {
        List<String> words = new ArrayList<>(Arrays.asList(line.split(" ")));
        words.removeIf(String::isEmpty);
        return words;
    }

    /** The request, or null when qemu-io would refuse it (the reason printed as qemu-io prints it). */
    private static IoRequest parse(Verb verb, String word, List<String> args, PrintStream out, PrintStream err) {
        if (verb == Verb.FLUSH) {
            return new IoRequest(verb, 0, 0, null, false, false, false, true);
        }
        Options o;
        try {
            o = verb.options().parse(args);
        } catch (UsageException e) {
            err.println(word + ": " + e.getMessage());
            out.println(verb.usage());
            return null;
        }
        Integer pattern = null;
        for (String p : o.all("pattern")) {
            pattern = pattern(p);
            if (pattern == null) {
                out.println(p + " is not a valid pattern byte");
                return null;
            }
        }
        if (o.operands().size() != 2) {
            out.println(verb.usage());
            return null;
        }
        boolean zero = o.has("zero");
        String conflict = o.has("unmap") && !zero ? "-u requires -z to be specified"
                : zero && pattern != null ? "Only one of -z, -P, and -s can be specified at the same time" : null;
        if (conflict != null) {
            out.println(conflict);
            return null;
        }
        Long offset = number(o.operands().get(0), out, err);
        Long length = offset == null ? null : number(o.operands().get(1), out, err);
        if (length == null) {
            return null;
        }
        if (length > MAX_BYTES) {
            out.println("length cannot exceed " + MAX_BYTES + (verb == Verb.WRITE ? " without -n" : "") + ", given "
                    + o.operands().get(1));
            return null;
        }
        if (o.has("compressed") && (offset % 512 != 0 || length % 512 != 0)) {
            out.println(offset % 512 != 0 ? offset + " is not a sector-aligned value for 'offset'"
                    : length + " is not a sector-aligned value for 'count'");
            return null;
        }
        return new IoRequest(verb, offset, length, pattern, zero, o.has("unmap"), o.has("compressed"),
                o.has("quiet"));
    }

    /** qemu-io's numbers: sizes as qemu reads them; null (the reason printed) for anything else. */
    private static Long number(String s, PrintStream out, PrintStream err) {
        // a hexadecimal number with a suffix: qemu reads it, with a deprecation warning
        if (s.strip().matches("[+]?0[xX][0-9a-fA-F]+[kKmMgGtTpP]")) {
            err.println("image:io: warning: Using a multiplier suffix on hex numbers is deprecated: " + s);
        }
        try {
            return Sizes.parse(s);
        } catch (Sizes.InvalidSizeException e) {
            out.println(e.tooLarge() ? "Parsing error: argument too large -- " + s
                    : "Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- " + s);
            return null;
        }
    }

    /** A pattern byte as qemu-io reads it (C's strtol with base 0: decimal, 0x hexadecimal, 0 octal), or null. */
    static Integer pattern(String s) {
        String t = s.stripLeading();
        boolean negative = t.startsWith("-");
        if (negative || t.startsWith("+")) {
            t = t.substring(1);
        }
        boolean hex = t.length() > 2 && (t.startsWith("0x") || t.startsWith("0X"));
        String digits = hex ? t.substring(2) : t;
        if (!digits.matches(hex ? "[0-9a-fA-F]+" : t.startsWith("0") ? "[0-7]+" : "[0-9]+")) {
            return null;
        }
        BigInteger v = new BigInteger(digits, hex ? 16 : t.startsWith("0") ? 8 : 10);
        return negative && v.signum() != 0 || v.compareTo(BigInteger.valueOf(0xff)) > 0 ? null : v.intValue();
    }

    /** Runs the request; false when it failed or a pattern check found other data. */
    private boolean run(FormatAccess image, PrintStream out) {
        long start = System.nanoTime();
        boolean matched = true;
        try {
            if (verb != Verb.FLUSH && (offset > image.size() || length > image.size() - offset)) {
                // as qemu's block layer: a request that does not lie inside the image
                throw new IOException("Input/output error");
            }
            switch (verb) {
                case READ -> matched = read(image);
                case WRITE -> write(image);
                case DISCARD -> image.discardToZero(offset, length);
                case FLUSH -> image.flush();
            }
        } catch (UnsupportedFeatureException e) {
            out.println(verb.name + " failed: Operation not supported"); // qemu's ENOTSUP, e.g. -c on raw
            return false;
        } catch (IOException | RuntimeException e) {
            out.println(verb.name + " failed: " + Errors.oneLine(e));
            return false;
        }
        if (!matched) {
            out.printf("Pattern verification failed at offset %d, %d bytes%n", offset, length);
        }
        if (!quiet) {
            double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-9);
            out.printf("%s %d/%d bytes at offset %d%n", verb.done(), length, length, offset);
            out.printf(Locale.ROOT, "%s, 1 ops; %s (%s/sec and %.4f ops/sec)%n", bytes(length), elapsed(secs),
                    bytes(length / secs), 1 / secs);
        }
        return matched;
    }

    /** Reads the range a MiB at a time; false when a pattern was given and some byte differs. */
    private boolean read(FormatAccess image) throws IOException {
        boolean matched = true;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 20, length));
        for (long done = 0; done < length; done += buf.capacity()) {
            buf.clear().limit((int) Math.min(buf.capacity(), length - done));
            image.read(buf, offset + done);
            for (int i = 0; pattern != null && matched && i < buf.limit(); i++) {
                matched = (buf.get(i) & 0xff) == pattern;
            }
        }
        return matched;
    }

    private void write(FormatAccess image) throws IOException {
        if (zero) {
            if (unmap) {
                image.discardToZero(offset, length);
            } else {
                image.writeZeroes(offset, length);
            }
            return;
        }
        int chunk = compressed ? (int) Math.max(512, image.info().clusterSize()) : 1 << 20;
        byte[] b = new byte[(int) Math.min(chunk, length)];
        Arrays.fill(b, (byte) (pattern != null ? pattern : 0xcd));
        for (long done = 0; done < length; done += b.length) {
            ByteBuffer part = ByteBuffer.wrap(b, 0, (int) Math.min(b.length, length - done));
            if (compressed) {
                image.writeCompressed(part, offset + done);
            } else {
                image.write(part, offset + done);
            }
        }
    }

    private static String elapsed(double secs) {
        long whole = (long) secs;
        return String.format(Locale.ROOT, "%02d.%02d sec", whole, (long) ((secs - whole) * 100));
    }

    /** qemu-io's cvtstr: {@code 4 KiB}, {@code 1.500 MiB}, {@code 512 bytes}, {@code 277.510032 bytes}. */
    static String bytes(double value) {
        String[] units = {" EiB", " PiB", " TiB", " GiB", " MiB", " KiB"};
        String text = null;
        String suffix = " bytes";
        for (int i = 0; i < units.length && text == null; i++) {
            double unit = Math.pow(2, 60 - 10 * i);
            if (value >= unit) {
                text = String.format(Locale.ROOT, "%.3f", value / unit);
                suffix = units[i];
            }
        }
        if (text == null) {
            text = String.format(Locale.ROOT, "%f", value);
        }
        int trim = text.indexOf(".000");
        return (trim >= 0 ? text.substring(0, trim) : text) + suffix;
    }
}

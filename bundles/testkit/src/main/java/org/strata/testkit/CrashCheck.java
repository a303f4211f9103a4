package org.strata.testkit;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code qemu-img check} of an image after a crash or a power cut: clean and leaks are fine; so are the two states
 * that every writer of the format, QEMU included, passes through between two writes no ordering can make atomic,
 * and that waste space without harming data (QEMU's check counts them as errors all the same):
 * <ul>
 * <li>qcow2: a cluster whose refcount was raised for a snapshot that never reached the disk, its COPIED flag not
 *     yet cleared ("ERROR OFLAG_COPIED ... refcount=2" on a cluster the same check reports leaked);</li>
 * <li>vdi: the header counting a block that no map entry uses yet ("allocated blocks mismatch, is N, should be
 *     M" with N &lt; M): the block is skipped, never handed out twice.</li>
 * </ul>
 */
public final class CrashCheck {

    private static final long COPIED = 1L << 63;
    private static final long OFFSET_MASK = 0x00fffffffffffe00L;
    private static final Pattern LEAKED = Pattern.compile("^Leaked cluster (\\d+) refcount=\\d+ reference=\\d+$");
    private static final Pattern COPIED_FLAG =
            Pattern.compile("^ERROR OFLAG_COPIED (?:L2|data) cluster: .*_entry=([0-9a-f]+) refcount=(\\d+)$");
    private static final Pattern VDI_COUNT =
            Pattern.compile("^ERROR: allocated blocks mismatch, is (\\d+), should be (\\d+)$");
    private static final Pattern ERRORS = Pattern.compile("^(\\d+) errors were found on the image\\.$");

    private CrashCheck() {
    }

    /**
     * Runs {@code qemu-img check -f FORMAT IMAGE}; returns null when the image is consistent as above, else what
     * is wrong (the check's output).
     *
     * @param clusterSize the image's cluster size (qcow2), to name the clusters its messages give offsets of
     * @param forceShare  check with {@code -U}: an idle process holds the image
     */
    public static String problems(String format, String image, long clusterSize, boolean forceShare) {
        QemuTools.Result r = forceShare ? QemuTools.run("qemu-img", "check", "-U", "-f", format, image)
                : QemuTools.run("qemu-img", "check", "-f", format, image);
        if (r.exitCode() == 0 || r.exitCode() == 3) {
            return null;
        }
        String all = r.stdout() + r.stderr();
        if (r.exitCode() == 2 && benign(all.lines().toList(), clusterSize)) {
            return null;
        }
        return "qemu-img check exits " + r.exitCode() + "\n" + all;
    }

    private static boolean benign(List<String> lines, long clusterSize) {
        Set<Long> leaked = new HashSet<>();
        for (String l : lines) {
            Matcher m = LEAKED.matcher(l);
            if (m.matches()) {
                leaked.add(Long.parseLong(m.group(1)));
            }
        }
        long errors = -1;
        long benign = 0;
        for (String l : lines) {
            Matcher copied = COPIED_FLAG.matcher(l);
            Matcher count = VDI_COUNT.matcher(l);
            Matcher total = ERRORS.matcher(l);
            if (total.matches()) {
                errors = Long.parseLong(total.group(1));
            } else if (copied.matches()) {
                long entry = Long.parseUnsignedLong(copied.group(1), 16);
                long cluster = (entry & OFFSET_MASK) / clusterSize;
                if ((entry & COPIED) == 0 || Long.parseLong(copied.group(2)) < 2 || !leaked.contains(cluster)) {
                    return false;
                }
                benign++;
            } else if (count.matches()) {
                if (Long.parseLong(count.group(1)) >= Long.parseLong(count.group(2))) {
                    return false;
                }
                benign++;
            } else if (l.startsWith("ERROR")) {
                return false;
            }
        }
        return errors == benign;
    }
}

package org.strata.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How this process has a file open, from the kernel's own account ({@code /proc/self/fdinfo}): the open flags of
 * the descriptors that refer to the file.
 */
public final class OpenFlags {

    /** Bypasses the page cache. */
    public static final int O_DIRECT = 040000;
    /** Each write is durable before it returns. */
    public static final int O_DSYNC = 010000;

    private OpenFlags() {
    }

    /** The flags of each of this process's descriptors of {@code file}. */
    public static List<Integer> of(Path file) throws IOException {
        Path real = file.toRealPath();
        List<Integer> flags = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) {
                        flags.add(flagsOf(fd.getFileName().toString()));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor of another thread that closed while we looked
                }
            }
        }
        return flags;
    }

    /** Whether one of this process's descriptors of {@code file} has every one of {@code flags}. */
    public static boolean someHas(Path file, int flags) throws IOException {
        return of(file).stream().anyMatch(f -> (f & flags) == flags);
    }

    private static int flagsOf(String fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        throw new IOException("no flags in /proc/self/fdinfo/" + fd);
    }
}

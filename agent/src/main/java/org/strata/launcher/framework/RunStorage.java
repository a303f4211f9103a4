package org.strata.launcher.framework;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;

/**
 * The framework cache of one {@code strata run}: {@code var/tmp/run-PID} (or the same under the system temporary
 * directory when var/ is not writable), deleted at the end. The process id makes the name unique among live
 * processes without a random number generator (whose start-up costs tens of milliseconds); directories left by
 * killed runs are recognized by their dead process id and removed by the next run.
 */
final class RunStorage {

    private static final String PREFIX = "run-";

    private RunStorage() {
    }

    static File create(File home) throws IOException {
        File tmp = new File(new File(home, "var"), "tmp");
        if (tmp.isDirectory() || tmp.mkdirs()) {
            removeStale(tmp);
            File dir = new File(tmp, PREFIX + ProcessHandle.current().pid());
            if (fresh(dir)) {
                return dir;
            }
        }
        File fallback = new File(System.getProperty("java.io.tmpdir"), "strata-" + PREFIX + ProcessHandle.current().pid());
        if (!fresh(fallback)) {
            throw new IOException("cannot create " + fallback);
        }
        return fallback;
    }

    /** An empty directory of ours: whatever has our pid in its name was left by a dead process. */
    private static boolean fresh(File dir) {
        delete(dir);
        return dir.mkdir();
    }

    private static void removeStale(File tmp) {
        String[] names = tmp.list();
        if (names == null) {
            return;
        }
        for (String name : names) {
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            try {
                long pid = Long.parseLong(name.substring(PREFIX.length()));
                if (!ProcessHandle.of(pid).isPresent()) {
                    delete(new File(tmp, name));
                }
            } catch (NumberFormatException ignored) {
                // not ours
            }
        }
    }

    static void delete(File file) {
        File[] children = file.isDirectory() && !Files.isSymbolicLink(file.toPath()) ? file.listFiles() : null;
        if (children != null) {
            for (File child : children) {
                delete(child);
            }
        }
        file.delete();
    }
}

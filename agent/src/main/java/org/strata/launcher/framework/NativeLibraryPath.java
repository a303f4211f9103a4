package org.strata.launcher.framework;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/**
 * JNA's search path for native libraries, {@value #PROPERTY}, kept in a prepared run cache. Unless that system
 * property is set, JNA computes it when it first loads a library (the file backend binds libc at a run's first file
 * operation), and the computation runs {@code /sbin/ldconfig -p}: a process, 20 to 50 ms of a run. So the value
 * JNA computed in one run is given to the next ones, as long as the dynamic linker's cache {@code /etc/ld.so.cache}
 * (what {@code ldconfig -p} lists) is the one it was computed from: a library a driver names without a version is
 * found exactly as JNA alone would find it. A value given on the command line (JAVA_OPTS) is left alone.
 */
final class NativeLibraryPath {

    static final String PROPERTY = "jna.platform.library.path";
    static final String FILE = "jna.platform.library.path";
    private static final File LINKER_CACHE = new File("/etc/ld.so.cache");

    private final File file;
    /** Whether the property was set before this run's framework started: given, or restored from the file. */
    private final boolean set;

    private NativeLibraryPath(File file, boolean set) {
        this.file = file;
        this.set = set;
    }

    /**
     * Sets the property from {@code dir}'s copy, unless it is given, if the copy was computed from the linker cache
     * as it is now.
     */
    static NativeLibraryPath restore(File dir) {
        File file = new File(dir, FILE);
        if (System.getProperty(PROPERTY) == null) {
            String[] kept = read(file);
            if (kept != null && kept[0].equals(linkerCacheStamp())) {
                System.setProperty(PROPERTY, kept[1]);
            }
        }
        return new NativeLibraryPath(file, System.getProperty(PROPERTY) != null);
    }

    /** Keeps what JNA computed in this run, if it did (a run that opened no file loaded no library). */
    void keep() {
        String value = System.getProperty(PROPERTY);
        if (set || value == null) {
            return;
        }
        File partial = new File(file.getPath() + ".new");
        try {
            Files.writeString(partial.toPath(), linkerCacheStamp() + "\n" + value + "\n", StandardCharsets.UTF_8);
            Files.move(partial.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            partial.delete(); // the next run computes it again
        }
    }

    private static String linkerCacheStamp() {
        return LINKER_CACHE.length() + " " + LINKER_CACHE.lastModified();
    }

    /** The stamp and the value, or null. */
    private static String[] read(File file) {
        try {
            String[] lines = Files.readString(file.toPath(), StandardCharsets.UTF_8).split("\n");
            return lines.length == 2 ? lines : null;
        } catch (IOException e) {
            return null;
        }
    }
}

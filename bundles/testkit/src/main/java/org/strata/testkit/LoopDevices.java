package org.strata.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real loop devices over temporary files (tests run as root): {@link #detachAll()} in an after-method, so they are
 * detached even when a test fails.
 */
public final class LoopDevices {

    private final List<String> attached = new ArrayList<>();

    /** A new sparse file of {@code size} bytes (a multiple of 512) and a loop device over it. */
    public String attach(Path backing, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(size);
        }
        String dev = QemuTools.run("losetup", "-f", "--show", backing.toString()).ok().trim();
        attached.add(dev);
        return dev;
    }

    public void detachAll() {
        List<String> failures = new ArrayList<>();
        for (String dev : attached) {
            QemuTools.Result r = QemuTools.run("losetup", "-d", dev);
            if (r.exitCode() != 0) {
                failures.add(dev + ": " + r.stderr().trim());
            }
        }
        attached.clear();
        if (!failures.isEmpty()) {
            throw new AssertionError("could not detach loop devices: " + failures);
        }
    }
}

package org.strata.storage.file;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.testkit.QemuTools;

/** Real loop devices over temporary files (tests run as root); {@link #detachAll()} in an after-method. */
final class LoopDevices {

    private final List<String> attached = new ArrayList<>();

    /** A new sparse file of {@code size} bytes (a multiple of 512) and a loop device over it. */
    String attach(Path backing, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(size);
        }
        String dev = QemuTools.run("losetup", "-f", "--show", backing.toString()).ok().trim();
        attached.add(dev);
        return dev;
    }

    void detachAll() {
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

package org.strata.format.vmdk;

import java.io.IOException;
import java.util.List;

import org.strata.api.CheckResult;
import org.strata.api.ImageFormatException;

/**
 * qemu-img check for vmdk: QEMU walks the image in steps of each extent's cluster and stops at the first grain that
 * cannot be looked up or points past the end of its file; the check then fails (exit 1) naming that sector. There
 * is nothing to count and nothing to repair.
 */
final class Checker {

    private Checker() {
    }

    static CheckResult check(List<Extent> extents, long size) throws IOException {
        long pos = 0;
        int i = 0;
        while (pos < size) {
            while (i + 1 < extents.size() && extents.get(i + 1).start() <= pos) {
                i++;
            }
            Extent e = extents.get(i);
            long offset = pos - e.start();
            Extent.CheckError error = e.check(offset);
            if (error != null) {
                throw new ImageFormatException(error.message() + " (" + error.errno() + ")");
            }
            long step = e.checkStep();
            pos += (e.length() - offset + step - 1) / step * step;
        }
        return new CheckResult(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of());
    }
}

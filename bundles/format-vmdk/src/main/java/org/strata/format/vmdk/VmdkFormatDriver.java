package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.Measurement;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The VMDK format (VMware Virtual Disk Format 1.1 as QEMU reads and writes it): monolithicSparse, streamOptimized,
 * monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat and other descriptors with FLAT, SPARSE, VMFS and
 * VMFSSPARSE extents, with parent images.
 */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=vmdk")
public final class VmdkFormatDriver implements FormatDriver {

    /** QEMU probes with the first sector of a file (BLOCK_PROBE_BUF_SIZE). */
    private static final int QEMU_PROBE_BYTES = 512;

    @Override
    public String name() {
        return "vmdk";
    }

    /**
     * QEMU's {@code vmdk_probe}: a sparse extent's magic, or a descriptor whose first line that is neither a
     * comment nor blank is {@code version=1}, {@code 2} or {@code 3}.
     */
    @Override
    public int probe(ByteBuffer head, long storageSize) {
        int end = head.position() + Math.min(head.remaining(), QEMU_PROBE_BYTES);
        if (end - head.position() < 4) {
            return 0;
        }
        int magic = head.getInt(head.position());
        if (magic == SparseHeader.VMDK4_MAGIC || magic == SparseHeader.VMDK3_MAGIC) {
            return 100;
        }
        int p = head.position();
        while (p < end) {
            byte c = head.get(p);
            if (c == '#') {
                while (p < end && head.get(p) != '\n') {
                    p++;
                }
                p++;
            } else if (c == ' ') {
                while (p < end && head.get(p) == ' ') {
                    p++;
                }
                if (p < end && head.get(p) == '\r') {
                    p++;
                }
                if (p == end || head.get(p) != '\n') {
                    return 0;
                }
                p++;
            } else {
                return startsWithVersion(head, p, end) ? 100 : 0;
            }
        }
        return 0;
    }

    private static boolean startsWithVersion(ByteBuffer b, int p, int end) {
        for (String line : List.of("version=1\n", "version=2\n", "version=3\n", "version=1\r\n", "version=2\r\n",
                "version=3\r\n")) {
            if (end - p >= line.length() && matches(b, p, line)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(ByteBuffer b, int p, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b.get(p + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return VmdkImage.open(storage, context);
    }

    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context)
            throws IOException {
        return Creator.create(storage, request, context);
    }

    @Override
    public List<CreateOption> createOptions() {
        return CreateOptions.OPTIONS;
    }

    @Override
    public Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        throw new UnsupportedFeatureException("Block driver 'vmdk' does not support size measurement");
    }
}

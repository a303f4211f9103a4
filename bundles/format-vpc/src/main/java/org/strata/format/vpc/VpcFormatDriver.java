package org.strata.format.vpc;

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
 * The vpc format: VHD disks of Virtual PC, Hyper-V and Azure, fixed and dynamic, read and written as qemu 7.2
 * does. Like qemu it has no check, no resize and no measure, and reads a differencing disk without its parent.
 */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=" + VpcFormatDriver.NAME)
public final class VpcFormatDriver implements FormatDriver {

    static final String NAME = "vpc";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Certain when the image starts with the footer's cookie, as qemu's probe: a dynamic disk. A fixed disk has
     * its footer only at the end, which a probe does not see, so it probes as raw (open it with {@code -f vpc}).
     */
    @Override
    public int probe(ByteBuffer head, long storageSize) {
        return Footer.hasCookie(head) ? 100 : 0;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return new VpcImage(storage, context.writable() && storage.isWritable());
    }

    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context)
            throws IOException {
        return Creator.create(storage, request);
    }

    @Override
    public List<CreateOption> createOptions() {
        return CreateOptions.OPTIONS;
    }

    @Override
    public Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        throw new UnsupportedFeatureException("Block driver 'vpc' does not support size measurement");
    }
}

package org.strata.format.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

/** VirtualBox's VDI format, static and dynamic, as QEMU 7.2 reads, writes, creates and checks it. */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=" + VdiFormatDriver.NAME)
public final class VdiFormatDriver implements FormatDriver {

    static final String NAME = "vdi";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * QEMU's rule: certain when the signature is there. QEMU probes a zero-padded buffer, so a file too short for
     * the whole header still probes as VDI (and then fails to open).
     */
    @Override
    public int probe(ByteBuffer head, long storageSize) {
        ByteBuffer b = head.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int at = b.position() + Header.SIGNATURE_AT;
        return b.limit() >= at + 4 && b.getInt(at) == Header.SIGNATURE ? 100 : 0;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return new VdiImage(storage, context.writable() && storage.isWritable());
    }

    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context)
            throws IOException {
        CreateOptions options = CreateOptions.parse(request);
        Creator.create(storage, options);
        return options.printed();
    }

    @Override
    public List<CreateOption> createOptions() {
        return CreateOptions.OPTIONS;
    }

    /** QEMU 7.2 cannot measure for vdi either; the same words. */
    @Override
    public Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        throw new UnsupportedFeatureException("Block driver '" + NAME + "' does not support size measurement");
    }
}

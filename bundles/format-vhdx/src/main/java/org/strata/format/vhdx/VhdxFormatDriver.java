package org.strata.format.vhdx;

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

/** Hyper-V's VHDX format (MS-VHDX 1.0): dynamic and fixed images, read and write, as QEMU 7.2 handles them. */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=vhdx")
public final class VhdxFormatDriver implements FormatDriver {

    @Override
    public String name() {
        return "vhdx";
    }

    /** As QEMU: certain when the file identifier's signature "vhdxfile" starts the image. */
    @Override
    public int probe(ByteBuffer head, long storageSize) {
        return head.remaining() >= 8
                && head.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(head.position()) == Layout.FILE_SIGNATURE
                ? 100 : 0;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return VhdxImage.open(storage, context);
    }

    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context)
            throws IOException {
        return Creator.create(storage, request, 512);
    }

    @Override
    public List<CreateOption> createOptions() {
        return CreateOptions.OPTIONS;
    }

    @Override
    public Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        return Measure.measure(virtualSize, options, source);
    }
}

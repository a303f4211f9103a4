package org.strata.format.qcow2;

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

/** The qcow2 format (QEMU copy-on-write, versions 2 and 3), read and write. */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=qcow2")
public final class Qcow2FormatDriver implements FormatDriver {

    @Override
    public String name() {
        return "qcow2";
    }

    @Override
    public int probe(ByteBuffer head, long storageSize) {
        if (head.remaining() < 8 || head.getInt(head.position()) != Header.MAGIC) {
            return 0;
        }
        int version = head.getInt(head.position() + 4);
        return version >= 2 ? 100 : 0;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return Qcow2Image.open(storage, context);
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
    public List<CreateOption> amendOptions() {
        return CreateOptions.OPTIONS.stream().filter(o -> Amender.AMENDABLE.contains(o.name())).toList();
    }

    @Override
    public Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        return Measure.measure(virtualSize, options, source);
    }
}

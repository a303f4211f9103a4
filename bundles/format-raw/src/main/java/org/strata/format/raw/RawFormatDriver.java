package org.strata.format.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.Measurement;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/** The raw format: the guest's bytes are the storage's bytes. */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=raw")
public final class RawFormatDriver implements FormatDriver {

    private static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("size", "size", "Virtual disk size", null),
            new CreateOption("preallocation", "str", "Preallocation mode (allowed values: off, falloc, full)", "off"));

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public int probe(ByteBuffer head, long storageSize) {
        return PROBE_ANYTHING;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return new RawImage(storage, context.writable() && storage.isWritable());
    }

    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context)
            throws IOException {
        if (request.backingFile() != null) {
            throw new IllegalArgumentException("Backing file not supported for file format 'raw'");
        }
        if (request.size() < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        Preallocation prealloc = Preallocation.OFF;
        for (Map.Entry<String, String> e : request.options().entrySet()) {
            if (e.getKey().equals("preallocation")) {
                prealloc = Preallocation.parse(e.getValue());
                if (prealloc == Preallocation.METADATA) {
                    throw new IllegalArgumentException("Unsupported preallocation mode: metadata");
                }
            } else if (!e.getKey().equals("size")) {
                throw new IllegalArgumentException("Invalid parameter '" + e.getKey() + "'");
            }
        }
        if (storage.fixedSize()) {
            createOnDevice(storage, request.size(), prealloc);
        } else {
            storage.resize(request.size(), prealloc);
        }
        Map<String, String> printed = new LinkedHashMap<>();
        printed.put("size", Long.toString(request.size()));
        if (request.options().containsKey("preallocation")) {
            printed.put("preallocation", prealloc.optionName());
        }
        return printed;
    }

    /**
     * As qemu-img on a host block device: the device keeps its size, which must hold the image, and its first
     * sector is zeroed so that no format written there before is found on it.
     */
    private static void createOnDevice(Storage storage, long size, Preallocation prealloc) throws IOException {
        if (prealloc != Preallocation.OFF) {
            throw new UnsupportedFeatureException("Unsupported preallocation mode '"
                    + prealloc.optionName() + "'");
        }
        long deviceSize = storage.size();
        if (size > deviceSize) {
            throw new IOException("Cannot grow device files (the device holds " + deviceSize
                    + " bytes)");
        }
        storage.writeZeroes(0, Math.min(deviceSize, 512), true);
    }

    @Override
    public List<CreateOption> createOptions() {
        return OPTIONS;
    }

    /** Every byte of a raw image takes space, allocated or not: both figures are the (sector-rounded) size. */
    @Override
    public Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source) {
        for (String name : options.keySet()) {
            if (!name.equals("preallocation") && !name.equals("size")) {
                throw new IllegalArgumentException("Invalid parameter '" + name + "'");
            }
        }
        long size = source != null ? source.size() : org.strata.api.Align.up(virtualSize, 512);
        return new Measurement(size, size, -1);
    }
}

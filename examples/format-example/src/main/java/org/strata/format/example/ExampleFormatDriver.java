package org.strata.format.example;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * The "example" format: a 512-byte {@link Header}, then the guest's bytes as they are. A format driver is an OSGi
 * service named by its {@code strata.format} property; the agent finds it when the bundle starts (a jar dropped into
 * deploy/) and lets go of it when the bundle stops. The driver holds no state: each open image is an
 * {@link ExampleImage}.
 */
@Component(service = FormatDriver.class, property = FormatDriver.PROPERTY + "=example")
public final class ExampleFormatDriver implements FormatDriver {

    private static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("size", "size", "Virtual disk size", null));

    @Override
    public String name() {
        return "example";
    }

    /** Certain when the magic matches, else not at all (only raw claims everything, weakly). */
    @Override
    public int probe(ByteBuffer head, long storageSize) {
        return Header.matches(head) ? 100 : 0;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        return new ExampleImage(storage, Header.read(storage), context.writable() && storage.isWritable());
    }

    /**
     * Checks the whole request before writing anything: a refused creation must leave no file behind and an
     * existing file untouched. The messages are the ones qemu-img prints for the same mistakes.
     */
    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context)
            throws IOException {
        if (request.backingFile() != null) {
            throw new IllegalArgumentException("Backing file not supported for file format 'example'");
        }
        for (String option : request.options().keySet()) {
            if (!option.equals("size")) {
                throw new IllegalArgumentException("Invalid parameter '" + option + "'");
            }
        }
        if (request.size() < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        if (request.size() > Header.MAX_VIRTUAL_SIZE) {
            throw new IllegalArgumentException("Image size must be at most " + Header.MAX_VIRTUAL_SIZE + " bytes");
        }
        new Header(request.size()).write(storage);
        storage.resize(Header.SIZE + request.size(), Preallocation.OFF); // sparse: a hole for data
        return Map.of("size", Long.toString(request.size())); // printed after "Formatting 'FILE', fmt=example"
    }

    @Override
    public List<CreateOption> createOptions() {
        return OPTIONS;
    }
}

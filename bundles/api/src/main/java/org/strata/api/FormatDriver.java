package org.strata.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * An image format, registered as an OSGi service with the property {@code strata.format=<name>}.
 * The driver itself holds no per-image state; {@link #open} returns a {@link FormatImage} for that.
 */
public interface FormatDriver {

    /** Service property naming the format. */
    String PROPERTY = "strata.format";

    /** How many bytes of an image's start {@link #probe} is given (fewer when the image is shorter). */
    int PROBE_BYTES = 4096;

    String name();

    /**
     * The probe score of a format that takes any bytes and so recognizes nothing (raw): a probe whose best score
     * is this found no format's signature.
     */
    int PROBE_ANYTHING = 1;

    /**
     * How sure the driver is that an image starting with {@code head} is in its format: 0 for not at all,
     * 100 for certain (a magic number matched). Raw answers {@link #PROBE_ANYTHING} to everything.
     */
    int probe(ByteBuffer head, long storageSize);

    /**
     * Opens an image in {@code storage}. Files the image names (backing file, data file, extents) are
     * opened only through {@code context}; whatever the context opened, it closes.
     */
    FormatImage open(Storage storage, ImageContext context) throws IOException;

    /**
     * Writes a new image into the empty {@code storage}.
     *
     * @return the effective creation options in the order qemu-img prints them after
     *         {@code Formatting 'FILE', fmt=FORMAT} (for example {@code size=67108864})
     * @throws IllegalArgumentException for unknown or invalid options, with qemu-img's message
     */
    Map<String, String> create(Storage storage, CreateRequest request, ImageContext context) throws IOException;

    /** The creation options this format takes ({@code -o help}). */
    List<CreateOption> createOptions();

    /** The options {@code amend} can change on an existing image ({@code amend -o help}); none by default. */
    default List<CreateOption> amendOptions() {
        return List.of();
    }

    /**
     * How much storage a new image of this format needs ({@code image:measure}): for {@code virtualSize} bytes
     * with the creation {@code options}, holding the data of {@code source} (null when measuring a size only).
     */
    default Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        throw new UnsupportedFeatureException("Format '" + name() + "' does not support size measurement");
    }
}

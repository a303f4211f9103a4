package org.strata.api;

import java.io.IOException;

/**
 * What a format driver may ask of whoever opens an image: the one gate through which files named inside
 * an image are opened. The gate resolves references relative to the image, enforces the allowed roots,
 * never probes a named file to another format, and refuses loops. Whatever it opens, it closes when the
 * image is closed; drivers never close what the context gave them.
 */
public interface ImageContext {

    /** The image's own location as the user or the referring image named it. */
    String location();

    /** Whether the image is opened for writing. */
    boolean writable();

    /**
     * Whether the driver should open the backing file it names. False for operations that only look at
     * this layer ({@code image:info}, unsafe rebase); reads of unallocated ranges then see zeroes.
     */
    boolean openBacking();

    /**
     * Opens the backing image {@code reference} (relative to this image) read-only.
     *
     * @param format the format the image records, or null to probe (as QEMU does for old images)
     */
    FormatAccess openBacking(String reference, String format) throws IOException;

    /** Opens a file the image names as plain bytes (an external data file, an extent). */
    Storage openFile(String reference, boolean writable) throws IOException;

    /** Creates (or truncates) a file the image names, opened for writing (a new external data file). */
    Storage createFile(String reference) throws IOException;
}

package org.strata.engine;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.FormatAccess;

/**
 * Lets a write through or refuses it before anything is written: what the opener of an image knows about it and
 * the driver does not (the first sector of a raw image whose format was probed must not turn into another format's
 * header).
 */
@FunctionalInterface
public interface WriteGate {

    /** Lets every write through. */
    WriteGate OPEN = (image, data, offset) -> { };

    /**
     * @param image  the image written, to read what the write leaves as it is
     * @param data   the bytes to be written (read only from its position; not consumed)
     * @param offset where they go
     * @throws IOException to refuse the write
     */
    void check(FormatAccess image, ByteBuffer data, long offset) throws IOException;
}

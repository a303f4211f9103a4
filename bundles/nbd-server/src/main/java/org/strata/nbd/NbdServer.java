package org.strata.nbd;

import java.io.IOException;
import java.util.List;

import org.strata.core.agent.ImageHandle;

/**
 * Serves images over the NBD protocol (fixed newstyle handshake, structured replies, block status).
 *
 * <p>Every request of an export goes through {@link ImageHandle#call}, so an image may pause (while its driver
 * is replaced) without clients seeing errors. All connections of an export share the one image, so a flush on
 * any connection covers the writes of all: the server advertises multi-conn.
 */
public interface NbdServer {

    /**
     * Starts serving {@code handle} under {@code name}.
     *
     * @param name        the export name clients ask for (may be empty: the default export); at most 4096 bytes
     * @param description a human-readable description shown by {@code nbdinfo --list}, or empty
     * @param writable    whether clients may write; an image opened read-only cannot be exported writable
     * @throws IllegalArgumentException when the name is invalid or already exported
     * @throws IOException when the image cannot be served as asked (read-only image exported writable)
     */
    void addExport(String name, String description, ImageHandle handle, boolean writable) throws IOException;

    /**
     * Stops serving an export: requests that arrive from now on fail with {@code ESHUTDOWN}, requests in flight
     * finish, the image is flushed to stable storage, then the export's connections are closed.
     *
     * @return false when no export has that name
     * @throws IOException when the final flush fails (the export is gone all the same)
     */
    boolean removeExport(String name) throws IOException;

    /** The exports now served, in the order they were added. */
    List<ExportInfo> exports();

    /** The addresses listened on, as {@code HOST:PORT} or {@code unix:PATH} (actual ports, never 0). */
    List<String> listenAddresses();
}

package org.strata.storage.nbd;

import java.io.IOException;
import java.time.Duration;

import org.osgi.service.component.annotations.Component;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;
import org.strata.api.UnsupportedFeatureException;

/**
 * The {@code nbd} backend: exports of NBD servers by QEMU's URLs, {@code nbd://HOST[:PORT]/EXPORT} and
 * {@code nbd+unix:///EXPORT?socket=PATH}. Requests time out after 30 seconds (system property
 * {@code strata.nbd.timeout}, in seconds). The cache mode decides durability as the server sees it: FUA on every
 * write in the write-through modes, no flushes with unsafe; O_DIRECT is the server's business.
 */
@Component(service = StorageDriver.class, property = StorageDriver.PROPERTY + "=nbd")
public final class NbdStorageDriver implements StorageDriver {

    private final Duration timeout;
    private final boolean tryExtendedHeaders;

    public NbdStorageDriver() {
        this(Duration.ofSeconds(Long.getLong("strata.nbd.timeout", 30)), true);
    }

    /**
     * @param timeout            for connecting, the handshake and every request
     * @param tryExtendedHeaders negotiate extended headers where the server has them (else structured replies)
     */
    NbdStorageDriver(Duration timeout, boolean tryExtendedHeaders) {
        this.timeout = timeout;
        this.tryExtendedHeaders = tryExtendedHeaders;
    }

    @Override
    public String name() {
        return "nbd";
    }

    @Override
    public boolean accepts(String location) {
        return NbdUri.looksLikeNbd(location);
    }

    /**
     * The server (host and port, or the socket) is the namespace; the export name, split at '/', the names in it.
     * So {@code nbd://host:port/export} holds every export of that server, as a directory holds its files.
     */
    @Override
    public StoragePath pathOf(String location) throws IOException {
        NbdUri uri = parse(location);
        String server = uri.isUnix() ? "nbd+unix:" + uri.socket().toAbsolutePath().normalize() + "/"
                : "nbd://" + uri.address().toString().toLowerCase(java.util.Locale.ROOT) + "/";
        return StoragePath.of(server, uri.export());
    }

    @Override
    public Storage open(String location, StorageOptions options) throws IOException {
        // a server with a minimum block size takes only whole blocks: reqAlign says so, and the agent aligns
        return NbdStorage.open(parse(location), options, timeout, tryExtendedHeaders);
    }

    private static NbdUri parse(String location) throws IOException {
        try {
            return NbdUri.parse(location);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Storage create(String location, StorageOptions options) throws IOException {
        throw new UnsupportedFeatureException(location + ": NBD exports cannot be created; create the image on the "
                + "server and open it");
    }
}

package org.strata.storage.rbd;

import java.io.IOException;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;

/**
 * The {@code rbd} backend: images on Ceph RBD by QEMU's names ({@code rbd:POOL/IMAGE[@SNAP][:conf=PATH][:id=USER]}),
 * through librbd. Images of one cluster and user share one connection. Connecting and every cluster request give up
 * after 30 seconds (system property {@code strata.rbd.timeout}, in seconds; a name's own
 * {@code :client_mount_timeout=} and the like take precedence), so an unreachable cluster is an error, not a hang.
 */
@Component(service = StorageDriver.class, property = StorageDriver.PROPERTY + "=rbd")
public final class RbdStorageDriver implements StorageDriver {

    private final Clusters clusters;

    public RbdStorageDriver() {
        this(Integer.getInteger("strata.rbd.timeout", 30));
    }

    RbdStorageDriver(int timeoutSeconds) {
        this.clusters = new Clusters(timeoutSeconds);
    }

    @Override
    public String name() {
        return "rbd";
    }

    @Override
    public boolean accepts(String location) {
        return location.startsWith(RbdName.PREFIX);
    }

    /** The cluster (configuration, monitors, user) is the namespace; pool (with RBD namespace) and image the names. */
    @Override
    public StoragePath pathOf(String location) throws IOException {
        try {
            return parse(location).path();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Storage open(String location, StorageOptions options) throws IOException {
        return RbdStorage.open(location, parse(location), clusters, options);
    }

    /** Creates an empty image (size 0, librbd's default features and object size) and opens it for writing. */
    @Override
    public Storage create(String location, StorageOptions options) throws IOException {
        RbdName name = parse(location);
        if (name.isDirectory() || name.snapshot() != null) {
            throw new IOException("'" + location + "' does not name an image to create");
        }
        Cluster cluster = clusters.acquire(Cluster.Key.of(name, !options.cache().direct()));
        try {
            Pointer ioctx = cluster.openPool(name.pool(), name.namespace());
            try {
                createImage(ioctx, name);
            } finally {
                Cluster.closePool(ioctx);
            }
            return RbdStorage.open(location, name, clusters, options.withWritable(true));
        } finally {
            clusters.release(cluster);
        }
    }

    private static void createImage(Pointer ioctx, RbdName name) throws IOException {
        CephApi.Rbd rbd = CephApi.rbd();
        PointerByReference opts = new PointerByReference();
        rbd.rbd_image_options_create(opts);
        try {
            int r = rbd.rbd_create4(ioctx, name.image(), 0, opts.getValue());
            if (r == -CephErrors.EEXIST) {
                throw CephErrors.failure("image '" + name.displayName() + "' already exists", r);
            }
            Cluster.check("error rbd create " + name.displayName(), r);
        } finally {
            rbd.rbd_image_options_destroy(opts.getValue());
        }
    }

    private static RbdName parse(String location) throws IOException {
        try {
            return RbdName.parse(location);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Connections still open when the driver goes (their images were closed before) are shut down. */
    @Deactivate
    void deactivate() throws IOException {
        clusters.closeAll();
    }

    /** Open connections (tests look). */
    int connections() {
        return clusters.size();
    }
}

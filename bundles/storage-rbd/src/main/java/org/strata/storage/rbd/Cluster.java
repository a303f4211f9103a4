package org.strata.storage.rbd;

import java.io.IOException;
import java.util.List;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * One connection to a Ceph cluster ({@code rados_t}), shared by every image opened through it and shut down when the
 * last of them closes ({@link Clusters} counts them).
 */
final class Cluster {

    /**
     * What makes connections different: the configuration file, the user, the Ceph options of the name, and
     * whether librbd's client cache is on (off for O_DIRECT modes, as QEMU sets it), which is a connection setting.
     */
    record Key(String conf, String clientName, List<RbdName.Option> options, boolean cache) {

        static Key of(RbdName name, boolean cache) {
            return new Key(name.conf(), name.clientName(), name.options(), cache);
        }
    }

    private final Key key;
    private final Pointer handle;
    int users;

    private Cluster(Key key, Pointer handle) {
        this.key = key;
        this.handle = handle;
    }

    /**
     * Connects, bounded in time: {@code client_mount_timeout}, {@code rados_mon_op_timeout} and
     * {@code rados_osd_op_timeout} are {@code timeoutSeconds} unless the name sets them itself.
     */
    static Cluster connect(Key key, int timeoutSeconds) throws IOException {
        CephApi.Rados rados = CephApi.rados();
        PointerByReference ref = new PointerByReference();
        check("cannot initialize a Ceph client as " + key.clientName(),
                rados.rados_create2(ref, "ceph", key.clientName(), 0));
        Pointer handle = ref.getValue();
        try {
            int r = rados.rados_conf_read_file(handle, key.conf());
            if (key.conf() != null) {
                check("error reading conf file " + key.conf(), r); // without conf=, Ceph's default search may find none
            }
            String timeout = Integer.toString(timeoutSeconds);
            for (String option : List.of("client_mount_timeout", "rados_mon_op_timeout", "rados_osd_op_timeout")) {
                check("cannot set " + option, rados.rados_conf_set(handle, option, timeout));
            }
            check("cannot set rbd_cache", rados.rados_conf_set(handle, "rbd_cache", Boolean.toString(key.cache())));
            for (RbdName.Option o : key.options()) {
                check("invalid conf option " + o.key(), rados.rados_conf_set(handle, o.key(), o.value()));
            }
            r = rados.rados_connect(handle);
            if (r == -CephErrors.ETIMEDOUT) {
                throw new IOException("no Ceph monitor answered within " + timeoutSeconds + " s (conf "
                        + (key.conf() == null ? "from Ceph's default locations" : key.conf()) + ")");
            }
            check("error connecting to the Ceph cluster as " + key.clientName(), r);
            return new Cluster(key, handle);
        } catch (IOException | RuntimeException e) {
            rados.rados_shutdown(handle);
            throw e;
        }
    }

    Key key() {
        return key;
    }

    /** An I/O context on {@code pool} (and RBD {@code namespace}); the caller destroys it. */
    Pointer openPool(String pool, String namespace) throws IOException {
        CephApi.Rados rados = CephApi.rados();
        PointerByReference ioctx = new PointerByReference();
        int r = rados.rados_ioctx_create(handle, pool, ioctx);
        if (r == -CephErrors.ENOENT) {
            throw CephErrors.failure("pool '" + pool + "' does not exist", r);
        }
        check("error opening pool " + pool, r);
        rados.rados_ioctx_set_namespace(ioctx.getValue(), namespace);
        return ioctx.getValue();
    }

    static void closePool(Pointer ioctx) throws IOException {
        CephApi.rados().rados_ioctx_destroy(ioctx);
    }

    void shutdown() throws IOException {
        CephApi.rados().rados_shutdown(handle);
    }

    static void check(String what, long rc) throws IOException {
        if (rc < 0) {
            throw CephErrors.failure(what, rc);
        }
    }
}

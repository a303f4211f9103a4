package org.strata.storage.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.strata.api.StoragePath;

/** QEMU's rbd: names, and where they lie for the allowed roots. */
class RbdNameTest {

    @Test
    void parsesEveryPartAsQemuDoes() {
        RbdName n = RbdName.parse("rbd:pool/ns/img@snap:conf=/etc/c.conf:id=alice:rbd_cache=false");
        assertEquals("pool", n.pool());
        assertEquals("ns", n.namespace());
        assertEquals("img", n.image());
        assertEquals("snap", n.snapshot());
        assertEquals("/etc/c.conf", n.conf());
        assertEquals("alice", n.user());
        assertEquals("client.alice", n.clientName());
        assertEquals(List.of(new RbdName.Option("rbd_cache", "false")), n.options());

        RbdName plain = RbdName.parse("rbd:pool/img");
        assertEquals("", plain.namespace());
        assertNull(plain.snapshot());
        assertNull(plain.conf());
        assertEquals("client.admin", plain.clientName());
    }

    @Test
    void backslashEscapesSeparators() {
        RbdName n = RbdName.parse("rbd:po\\/ol/im\\:g\\@x:mon_host=1.2.3.4\\:6789");
        assertEquals("po/ol", n.pool());
        assertEquals("im:g@x", n.image());
        assertEquals(List.of(new RbdName.Option("mon_host", "1.2.3.4:6789")), n.options());
    }

    @Test
    void badNamesFailWithQemusMessages() {
        assertEquals("Pool name is required",
                assertThrows(IllegalArgumentException.class, () -> RbdName.parse("rbd:img")).getMessage());
        assertEquals("conf option novalue has no value",
                assertThrows(IllegalArgumentException.class, () -> RbdName.parse("rbd:p/i:novalue")).getMessage());
    }

    @Test
    void aPoolIsTheDirectoryOfItsImagesOnOneClusterAsOneUser() throws IOException {
        RbdStorageDriver d = new RbdStorageDriver();
        StoragePath a = d.pathOf("rbd:pool/a:conf=/c/ceph.conf");
        StoragePath dir = a.parent();
        assertTrue(d.pathOf("rbd:pool/b:conf=/c/ceph.conf").isUnder(dir));
        assertTrue(d.pathOf("rbd:pool/b:conf=/c/./ceph.conf:rbd_cache=false").isUnder(dir), "same cluster");
        assertFalse(d.pathOf("rbd:other/b:conf=/c/ceph.conf").isUnder(dir), "another pool");
        assertFalse(d.pathOf("rbd:pool/ns/b:conf=/c/ceph.conf").isUnder(dir), "another RBD namespace");
        assertFalse(d.pathOf("rbd:pool/b:conf=/d/ceph.conf").isUnder(dir), "another cluster");
        assertFalse(d.pathOf("rbd:pool/b").isUnder(dir), "the default cluster");
        assertFalse(d.pathOf("rbd:pool/b:conf=/c/ceph.conf:mon_host=10.0.0.1").isUnder(dir), "other monitors");
        assertFalse(d.pathOf("rbd:pool/b:conf=/c/ceph.conf:id=admin2").isUnder(dir), "another user");
        assertEquals(d.pathOf("rbd:pool/b:conf=/c/ceph.conf:id=admin"), d.pathOf("rbd:pool/b:conf=/c/ceph.conf"));

        assertEquals(dir, d.pathOf("rbd:pool/:conf=/c/ceph.conf"), "an allowed root names a pool with an empty image");
        StoragePath ns = d.pathOf("rbd:pool/ns/:conf=/c/ceph.conf");
        assertTrue(d.pathOf("rbd:pool/ns/b:conf=/c/ceph.conf").isUnder(ns));
        assertFalse(a.isUnder(ns));
        assertTrue(d.pathOf("rbd:pool/a@snap:conf=/c/ceph.conf").isUnder(dir));
    }

    @Test
    void onlyRbdNamesAreAccepted() {
        RbdStorageDriver d = new RbdStorageDriver();
        assertTrue(d.accepts("rbd:pool/img"));
        assertFalse(d.accepts("/var/lib/rbd:pool"));
        assertFalse(d.accepts("nbd://host/rbd:x"));
        assertThrows(IOException.class, () -> d.pathOf("rbd:nopool"));
    }
}

package org.strata.storage.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.strata.api.StoragePath;
import org.strata.api.UnsupportedFeatureException;
import org.strata.nbd.protocol.HostPort;

class NbdUriTest {

    @Test
    void tcpUrls() throws Exception {
        NbdUri u = NbdUri.parse("nbd://example.com:1234/disk");
        assertEquals(new HostPort("example.com", 1234), u.address());
        assertEquals("disk", u.export());
        assertNull(u.socket());
        assertFalse(u.isUnix());
        assertEquals(10809, NbdUri.parse("nbd://h/").address().port());
        assertEquals("", NbdUri.parse("nbd://h").export());
        assertEquals("/disk", NbdUri.parse("nbd://h//disk").export());
        assertEquals("hello world", NbdUri.parse("nbd://h/hello%20world").export());
        assertEquals(new HostPort("::1", 5), NbdUri.parse("nbd://[::1]:5/x").address());
    }

    @Test
    void unixUrls() throws Exception {
        NbdUri u = NbdUri.parse("nbd+unix:///disk?socket=/run/nbd.sock");
        assertTrue(u.isUnix());
        assertEquals(Path.of("/run/nbd.sock"), u.socket());
        assertEquals("disk", u.export());
        assertEquals("", NbdUri.parse("nbd+unix:///?socket=/s%20p+q").export());
        assertEquals(Path.of("/s p+q"), NbdUri.parse("nbd+unix:///?socket=/s%20p+q").socket());
    }

    @Test
    void rejects() {
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd+unix:///disk"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd+unix://host/disk?socket=/s"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd:///disk"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd://h:x/"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd://h:65536/"));
        assertThrows(UnsupportedFeatureException.class, () -> NbdUri.parse("nbds://h/x"));
        assertFalse(new NbdStorageDriver().accepts("/tmp/disk.raw"));
        assertFalse(new NbdStorageDriver().accepts("http://h/x"));
        assertTrue(new NbdStorageDriver().accepts("nbd+unix:///x?socket=/s"));
    }

    @Test
    void theServerIsTheDirectoryOfItsExports() throws Exception {
        NbdStorageDriver d = new NbdStorageDriver();
        StoragePath server = d.pathOf("nbd://Host:10809/");
        assertEquals("nbd://host:10809/", server.toString());
        assertEquals(server, d.pathOf("nbd://host/top").parent());
        assertTrue(d.pathOf("nbd://host/other").isUnder(server));
        assertFalse(d.pathOf("nbd://host:10810/other").isUnder(server));
        assertFalse(d.pathOf("nbd://host.evil/other").isUnder(server));
        assertFalse(d.pathOf("nbd+unix:///other?socket=/run/a.sock").isUnder(server));
        StoragePath unix = d.pathOf("nbd+unix:///top?socket=/run/a.sock").parent();
        assertTrue(d.pathOf("nbd+unix:///base?socket=/run/./a.sock").isUnder(unix));
        assertFalse(d.pathOf("nbd+unix:///base?socket=/run/b.sock").isUnder(unix));
        assertThrows(java.io.IOException.class, () -> d.pathOf("nbd:///x"));
    }

    @Test
    void anIpv6ServerIsNamedWithBrackets() throws Exception {
        // the name a refusal shows must be one --allow-root takes back
        NbdStorageDriver d = new NbdStorageDriver();
        StoragePath server = d.pathOf("nbd://[::1]:10809/top").parent();
        assertEquals("nbd://[::1]:10809/", server.toString());
        assertEquals(server, d.pathOf(server.toString()));
    }
}

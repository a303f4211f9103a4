package org.strata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Paths compare by namespace and whole names, after normalization; URLs after decoding. */
class StoragePathTest {

    private static StoragePath url(String u) {
        return StoragePath.ofUrl(URI.create(u), u.startsWith("https") ? 443 : 80);
    }

    @Test
    void namesAreNormalized() {
        assertEquals(List.of("a", "c", "d"), StoragePath.of("/", "a/./b/../c//d/").names());
        assertEquals(List.of("x"), StoragePath.of("/", "../../x").names(), "never above the top");
        assertEquals("/a/c", StoragePath.of("/", "/a/b/../c").toString());
        assertThrows(IllegalArgumentException.class, () -> new StoragePath("/", List.of("a", "..")));
    }

    @Test
    void aRootHoldsWholeNamesOnly() {
        StoragePath dir = StoragePath.of("/", "srv/dir");
        assertTrue(StoragePath.of("/", "srv/dir/x").isUnder(dir));
        assertTrue(dir.isUnder(dir));
        assertFalse(StoragePath.of("/", "srv/dirx/x").isUnder(dir));
        assertFalse(StoragePath.of("/", "srv").isUnder(dir));
        assertFalse(StoragePath.of("http://h:80/", "srv/dir/x").isUnder(dir), "another namespace");
        assertEquals(dir, StoragePath.of("/", "srv/dir/x").parent());
        StoragePath top = StoragePath.of("/", "");
        assertEquals(top, top.parent());
    }

    @Test
    void urlsCompareByServerAndDecodedPath() {
        StoragePath root = url("http://host/dir");
        assertEquals("http://host:80/dir", root.toString());
        assertTrue(url("http://HOST:80/dir/x.qcow2").isUnder(root));
        assertTrue(url("http://host/%64ir/x.qcow2").isUnder(root), "percent-encoded letters");
        assertTrue(url("http://host/dir/sub/../x.qcow2").isUnder(root));
        assertFalse(url("http://host/dirx/x.qcow2").isUnder(root));
        assertFalse(url("http://host.evil/dir/x.qcow2").isUnder(root));
        assertFalse(url("http://host:8080/dir/x.qcow2").isUnder(root));
        assertFalse(url("https://host/dir/x.qcow2").isUnder(root));
        assertFalse(url("http://host/dir/%2e%2e/secret").isUnder(root), "an encoded .. climbs");
        assertFalse(url("http://host/dir/a%2F..%2F..%2Fsecret").isUnder(root), "an encoded / separates");
        assertTrue(url("http://user@host/dir/x").isUnder(root), "credentials are not the server");
        assertThrows(IllegalArgumentException.class, () -> url("http:///dir/x"));
    }
}

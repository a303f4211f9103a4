package org.strata.storage.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.strata.api.StoragePath;

/** Where a URL lies, for the allowed roots: its directory is the URL up to its last '/'. */
class HttpPathTest {

    private final HttpStorageDriver driver = new HttpStorageDriver();

    @Test
    void theDirectoryOfAnImageHoldsItsNeighboursOnly() throws IOException {
        StoragePath dir = driver.pathOf("http://host/dir/top.qcow2").parent();
        assertEquals("http://host:80/dir", dir.toString());
        assertTrue(driver.pathOf("http://host/dir/base.qcow2").isUnder(dir));
        assertTrue(driver.pathOf("http://host:80/dir/sub/base.qcow2").isUnder(dir));
        assertFalse(driver.pathOf("http://host/dirx/base.qcow2").isUnder(dir));
        assertFalse(driver.pathOf("http://host/base.qcow2").isUnder(dir));
        assertFalse(driver.pathOf("http://host.evil/dir/base.qcow2").isUnder(dir));
        assertFalse(driver.pathOf("https://host/dir/base.qcow2").isUnder(dir));
        assertFalse(driver.pathOf("http://host/dir/..%2Fbase.qcow2").isUnder(dir));
        assertEquals(driver.pathOf("https://host/dir/"), driver.pathOf("https://host:443/dir"));
    }

    @Test
    void aUrlItCannotParseIsAnError() {
        assertThrows(IOException.class, () -> driver.pathOf("http://host/a b"));
        assertThrows(IOException.class, () -> driver.pathOf("http:///dir/x"));
    }
}

package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/** The allow-list of NBD clients: parsing, and real clients (qemu-img, nbdinfo) let in or closed at accept. */
class ClientAllowListTest {

    @TempDir
    Path dir;

    private static InetAddress at(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    @Test
    void blocksHoldTheirAddressesOnly() throws IOException {
        ClientAllowList list = ClientAllowList.parse(" 192.0.2.0/24, 10.1.2.3 ,2001:db8::/32, 172.16.0.0/12");
        assertTrue(list.allows(at("192.0.2.200")));
        assertFalse(list.allows(at("192.0.3.1")));
        assertTrue(list.allows(at("10.1.2.3")));
        assertFalse(list.allows(at("10.1.2.4")));
        assertTrue(list.allows(at("2001:db8:ffff::1")));
        assertFalse(list.allows(at("2001:db9::1")));
        assertTrue(list.allows(at("172.31.255.255")));
        assertFalse(list.allows(at("172.32.0.0")));
        assertFalse(list.allows(at("::ffff:0:c000:201")), "an IPv6 address is not in an IPv4 block");
        assertTrue(ClientAllowList.parse("").allows(at("203.0.113.9")), "empty: everyone");
        assertTrue(ClientAllowList.parse("0.0.0.0/0").allows(at("203.0.113.9")));
    }

    @Test
    void aBadBlockIsOneClearError() {
        for (String bad : List.of("192.0.2.0/33", "192.0.2.0/x", "localhost", "192.0.2.0/-1", "2001:db8::/129",
                "300.1.1.1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientAllowList.parse(bad),
                    bad);
            assertTrue(e.getMessage().startsWith("allow.clients: '" + bad + "'"), e.getMessage());
        }
    }

    /** This host's first IPv4 address that is not loopback: a client connecting to it comes from it. */
    private static InetAddress hostAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress() && nic.isUp()) {
                    return a;
                }
            }
        }
        throw new AssertionError("this test needs an IPv4 address besides loopback");
    }

    @Test
    void onlyClientsFromTheListedBlocksGetIn() throws IOException {
        String host = hostAddress().getHostAddress();
        List<String> warnings = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public synchronized void publish(LogRecord r) {
                if (r.getLevel() == Level.WARNING) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("org.strata.nbd");
        logger.addHandler(capture);
        try (NbdTestServer nbd = new NbdTestServer(ServerLimits.DEFAULTS, ListenAddress.tcp("0.0.0.0", 0))) {
            nbd.exportRaw("disk", TestImages.createRaw(dir.resolve("d.raw"), 1 << 20), false);
            nbd.server.setAllowedClients(ClientAllowList.parse("127.0.0.0/8"));
            String loopback = "nbd://127.0.0.1:" + nbd.port + "/disk";
            String outside = "nbd://" + host + ":" + nbd.port + "/disk";

            assertTrue(QemuTools.qemuImg("info", loopback).contains("1 MiB"));
            assertTrue(QemuTools.run("nbdinfo", "--size", loopback).ok().contains("1048576"));
            assertNotEquals(0, QemuTools.run("qemu-img", "info", outside).exitCode());
            assertNotEquals(0, QemuTools.run("nbdinfo", "--size", outside).exitCode());
            assertEquals(1, warnings.stream().filter(w -> w.startsWith("NBD server refuses " + host + ": not in "
                    + "allow.clients (127.0.0.0/8)")).count(), warnings.toString());

            nbd.server.setAllowedClients(ClientAllowList.parse(host + "/32"));
            assertTrue(QemuTools.run("nbdinfo", "--size", outside).ok().contains("1048576"));
            assertNotEquals(0, QemuTools.run("nbdinfo", "--size", loopback).exitCode());
        } finally {
            logger.removeHandler(capture);
        }
    }
}

package org.strata.nbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesNamesAndAddressesWithIpv6InBrackets() {
        assertEquals(new HostPort("127.0.0.1", 10809), HostPort.parse("127.0.0.1:10809"));
        assertEquals(new HostPort("example.com", 0), HostPort.parse("example.com:0"));
        assertEquals(new HostPort("::1", 65535), HostPort.parse("[::1]:65535"));
        assertEquals(new HostPort("::1", 5), new HostPort("[::1]", 5), "a URL's bracketed host is the address");
    }

    @Test
    void writesIpv6InBracketsSoItParsesBack() {
        for (String text : new String[] {"127.0.0.1:10809", "[::1]:5000", "[fe80::1%lo]:1", "host:0"}) {
            assertEquals(text, HostPort.parse(text).toString());
        }
    }

    @Test
    void namesASocketByItsNumericAddress() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 4000);
        assertEquals("[0:0:0:0:0:0:0:1]:4000", HostPort.of(v6).toString());
        assertEquals(v6, HostPort.of(v6).socketAddress());
        assertEquals("127.0.0.1:4001", HostPort.of(new InetSocketAddress("127.0.0.1", 4001)).toString());
    }

    @Test
    void rejectsWhatIsNotHostAndPort() {
        for (String bad : new String[] {"10809", "host:", ":10809", "[]:1", "host:99999", "host:123456789012",
                "host:x", "host:-1", "host:+1", "::1:10809", "[::1:10809", "a b:-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
            assertEquals('\'' + bad + '\'', e.getMessage().substring(0, bad.length() + 2), "names the text: " + bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new HostPort("h", 65536));
        assertThrows(IllegalArgumentException.class, () -> new HostPort("", 1));
    }
}

package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class ListenAddressTest {

    @Test
    void parsesTcpUnixAndLists() {
        assertEquals(ListenAddress.tcp("127.0.0.1", 10809), ListenAddress.parse("127.0.0.1:10809"));
        assertEquals(ListenAddress.tcp("::1", 5000), ListenAddress.parse("[::1]:5000"));
        assertEquals("[::1]:5000", ListenAddress.parse("[::1]:5000").toString());
        assertEquals(ListenAddress.unix(Path.of("/run/strata/nbd.sock")), ListenAddress.parse("unix:/run/strata/nbd.sock"));
        assertEquals(List.of(ListenAddress.tcp("0.0.0.0", 0), ListenAddress.unix(Path.of("rel.sock"))),
                ListenAddress.parseList(" 0.0.0.0:0 , unix:rel.sock,"));
    }

    @Test
    void rejectsWhatIsNotAnAddress() {
        for (String bad : new String[] {"10809", "host:", ":10809", "host:99999", "host:x", "::1:10809", "unix:",
                "a b:-1"}) {
            assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseList(" , "));
    }
}

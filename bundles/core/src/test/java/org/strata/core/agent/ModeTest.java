package org.strata.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One parse of strata.mode, one default: without the launcher's property the agent is no daemon. */
class ModeTest {

    @Test
    void theLaunchersNamesAndOneDefault() {
        assertEquals(Mode.DAEMON, Mode.parse("daemon"));
        assertEquals(Mode.RUN, Mode.parse("run"));
        assertEquals(Mode.RUN, Mode.parse(null), "absent: neither listening nor persisting");
        assertEquals("daemon", Mode.DAEMON.toString());
    }

    @Test
    void anyOtherNameIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mode.parse("Daemon"));
        assertTrue(e.getMessage().contains("strata.mode"), e.getMessage());
    }
}

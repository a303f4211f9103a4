package org.strata.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The agent's settings as .cfg strings and .config values, and one line for each that does not parse. */
class AgentSettingsTest {

    private static final String FILE = "file:/opt/strata/etc/org.strata.agent.cfg";

    @Test
    void valuesParse() {
        assertEquals(AgentSettings.DEFAULTS, AgentSettings.parse(Map.of()));
        assertEquals(new AgentSettings(List.of("/srv/a", "http://h/t/"), 5, true), AgentSettings.parse(Map.of(
                "allowed.roots", " /srv/a, http://h/t/ ,", "pause.timeout", " 5", "nodes.restrict.to.roots", "TRUE")));
        assertEquals(new AgentSettings(List.of("/srv/a", "/srv/b"), 0, false), AgentSettings.parse(Map.of(
                "allowed.roots", new String[] {"/srv/a", "/srv/b"}, "pause.timeout", 0,
                "nodes.restrict.to.roots", Boolean.FALSE)));
    }

    @Test
    void aBadValueIsOneLineNamingTheFileAndTheSetting() {
        Map<Map<String, Object>, String> bad = Map.of(
                Map.of("pause.timeout", "abc"), "pause.timeout: 'abc' is not a whole number of seconds (0 or more)",
                Map.of("pause.timeout", "-1"), "pause.timeout: '-1' is not a whole number of seconds (0 or more)",
                Map.of("pause.timeout", "99999999999"),
                "pause.timeout: '99999999999' is not a whole number of seconds (0 or more)",
                Map.of("nodes.restrict.to.roots", "yes"), "nodes.restrict.to.roots: 'yes' is neither true nor false",
                Map.of("allowed.roots", new Object[] {"/a", 3}), "allowed.roots: '3' is not a directory or URL prefix");
        bad.forEach((properties, message) -> {
            Map<String, Object> withFile = new java.util.HashMap<>(properties);
            withFile.put("felix.fileinstall.filename", FILE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AgentSettings.parse(withFile));
            assertEquals("/opt/strata/etc/org.strata.agent.cfg: " + message, e.getMessage());
        });
    }
}

package org.strata.core.agent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings ({@link AgentConfig} describes them), parsed here rather than by Declarative Services'
 * coercion, so that a bad value is one line naming the file and the setting, and never fails the component.
 *
 * @param allowedRoots         allowed.roots: directories and URL prefixes
 * @param pauseTimeoutSeconds  pause.timeout
 * @param restrictNodesToRoots nodes.restrict.to.roots
 */
public record AgentSettings(List<String> allowedRoots, int pauseTimeoutSeconds, boolean restrictNodesToRoots) {

    public static final AgentSettings DEFAULTS = new AgentSettings(List.of(), 60, false);

    public AgentSettings {
        allowedRoots = List.copyOf(allowedRoots);
    }

    /**
     * Parses a configuration's properties (strings from a .cfg file, typed values from a .config file).
     *
     * @throws IllegalArgumentException one line naming the file and the setting that does not parse
     */
    public static AgentSettings parse(Map<String, ?> properties) {
        String source = ConfigFile.of(properties, "configuration org.strata.agent");
        try {
            return new AgentSettings(roots(properties.get("allowed.roots")),
                    seconds(properties.get("pause.timeout")),
                    bool("nodes.restrict.to.roots", properties.get("nodes.restrict.to.roots")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Comma-separated in a .cfg file; an array or list of them in a .config file. */
    private static List<String> roots(Object value) {
        List<String> roots = new ArrayList<>();
        List<Object> values = value == null ? List.of()
                : value instanceof Object[] a ? List.of(a)
                : value instanceof Collection<?> c ? new ArrayList<>(c)
                : List.of(value);
        for (Object v : values) {
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("allowed.roots: '" + v + "' is not a directory or URL prefix");
            }
            for (String root : s.split(",")) {
                if (!root.isBlank()) {
                    roots.add(root.trim());
                }
            }
        }
        return roots;
    }

    private static int seconds(Object value) {
        if (value == null) {
            return DEFAULTS.pauseTimeoutSeconds;
        }
        String text = value.toString().trim();
        try {
            int seconds = Integer.parseInt(text);
            if (seconds >= 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("pause.timeout: '" + text + "' is not a whole number of seconds (0 or more)");
    }

    private static boolean bool(String name, Object value) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        String text = value.toString().trim();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(name + ": '" + text + "' is neither true nor false");
    }
}

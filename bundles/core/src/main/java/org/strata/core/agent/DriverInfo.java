package org.strata.core.agent;

/**
 * A registered driver: what it is and which bundle version provides it.
 *
 * @param kind "format" or "storage"
 */
public record DriverInfo(String kind, String name, String bundle, String version) {

    /** The role the driver fills, whichever version fills it: "format:qcow2", "storage:file". */
    public String role() {
        return role(kind, name);
    }

    static String role(String kind, String name) {
        return kind + ":" + name;
    }

    /** "format driver 'qcow2'", for messages. */
    public String describe() {
        return kind + " driver '" + name + "'";
    }
}

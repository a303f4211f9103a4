package org.strata.core.agent;

import java.net.URI;
import java.util.Map;

/** The file in etc/ a configuration came from, for the lines that name it. */
public final class ConfigFile {

    /** The property FileInstall (and {@code strata run}) put the configuration file's URI in. */
    public static final String FILENAME_PROPERTY = "felix.fileinstall.filename";

    private ConfigFile() {
    }

    /** The path of the file the configuration's properties came from, or {@code otherwise} when none is known. */
    public static String of(Map<String, ?> properties, String otherwise) {
        Object filename = properties.get(FILENAME_PROPERTY);
        if (filename == null) {
            return otherwise;
        }
        try {
            return URI.create(filename.toString()).getPath();
        } catch (IllegalArgumentException e) {
            return filename.toString();
        }
    }
}

package org.strata.launcher.framework;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.strata.launcher.LauncherException;

/**
 * The framework properties of etc/config.properties. {@code ${name}} is replaced by another property of the
 * file, by strata.home, or by a system property, so the file can say {@code ${strata.home}/deploy}.
 */
final class FrameworkProperties {

    static final String FILE = "config.properties";

    private FrameworkProperties() {
    }

    static Map<String, String> load(File home, Map<String, String> launcherProperties) throws LauncherException {
        File file = new File(new File(home, "etc"), FILE);
        Properties raw = new Properties();
        try (InputStream in = new FileInputStream(file)) {
            raw.load(in);
        } catch (IOException | IllegalArgumentException e) {
            // without it FileInstall would watch ./load: better say so than half work
            throw new LauncherException("cannot read the framework properties " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> result = new HashMap<>(launcherProperties);
        for (String key : raw.stringPropertyNames()) {
            result.put(key, substitute(raw.getProperty(key), raw, launcherProperties, file));
        }
        result.putAll(launcherProperties); // the launcher's own settings win over the file
        return result;
    }

    private static String substitute(String value, Properties file, Map<String, String> launcher, File source)
            throws LauncherException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            int start = value.indexOf("${", i);
            if (start < 0) {
                out.append(value, i, value.length());
                break;
            }
            int end = value.indexOf('}', start);
            if (end < 0) {
                throw new LauncherException(source + ": unterminated ${ in \"" + value + "\"");
            }
            out.append(value, i, start);
            String name = value.substring(start + 2, end);
            String replacement = launcher.get(name);
            if (replacement == null) {
                replacement = file.getProperty(name);
            }
            if (replacement == null) {
                replacement = System.getProperty(name, "");
            }
            out.append(replacement);
            i = end + 1;
        }
        return out.toString();
    }
}

package org.strata.ctl.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.Properties;

import org.apache.felix.cm.file.ConfigurationHandler;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * What FileInstall does for etc/ in the daemon, done once and synchronously for {@code strata run}:
 * {@code PID.cfg} (java.util.Properties, ISO-8859-1, {@code ${name}} replaced by framework or system properties)
 * and {@code PID.config} (Felix's typed format) become configuration PID; {@code FACTORY-NAME.cfg} becomes the
 * factory configuration NAME of FACTORY. Each carries {@code felix.fileinstall.filename} as FileInstall's would.
 */
final class ConfigFiles {

    static final String FILENAME_PROPERTY = "felix.fileinstall.filename";

    private ConfigFiles() {
    }

    static void push(BundleContext context, Path etc) throws IOException {
        List<Path> files = list(etc);
        if (files.isEmpty()) {
            return;
        }
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = ref == null ? null : context.getService(ref);
        if (admin == null) {
            throw new IOException("Config Admin is not running: cannot apply the configuration files of " + etc);
        }
        try {
            for (Path file : files) {
                push(context, admin, file);
            }
        } finally {
            context.ungetService(ref);
        }
    }

    /** The configuration files of etc/ (none when it is missing), in order. */
    static List<Path> list(Path etc) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(etc)) {
            return files;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(etc, "*.{cfg,config}")) {
            for (Path p : dir) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        }
        Collections.sort(files);
        return files;
    }

    private static void push(BundleContext context, ConfigurationAdmin admin, Path file) throws IOException {
        Dictionary<String, Object> properties = read(context, file);
        String name = file.getFileName().toString();
        String pid = name.substring(0, name.lastIndexOf('.'));
        int dash = pid.indexOf('-');
        Configuration configuration = dash > 0
                ? admin.getFactoryConfiguration(pid.substring(0, dash), pid.substring(dash + 1), "?")
                : admin.getConfiguration(pid, "?");
        configuration.update(properties);
    }

    /**
     * A configuration file's properties, read as FileInstall reads them, with {@value #FILENAME_PROPERTY}.
     *
     * @throws IOException one line naming the file and saying why it cannot be read
     */
    static Dictionary<String, Object> read(BundleContext context, Path file) throws IOException {
        Dictionary<String, Object> properties;
        try {
            properties = file.getFileName().toString().endsWith(".cfg") ? readCfg(context, file) : readConfig(file);
        } catch (AccessDeniedException e) {
            throw new IOException(file + ": cannot be read: permission denied", e);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": " + reason(e), e);
        }
        properties.put(FILENAME_PROPERTY, file.toUri().toString());
        return properties;
    }

    /** An exception's message on one line: a parser may quote the rest of a line, its line break included. */
    private static String reason(Exception e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getName();
        }
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static Dictionary<String, Object> readCfg(BundleContext context, Path file) throws IOException {
        Properties raw = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            raw.load(in);
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        for (String key : raw.stringPropertyNames()) {
            properties.put(key, substitute(context, raw.getProperty(key)));
        }
        return properties;
    }

    @SuppressWarnings("unchecked")
    private static Dictionary<String, Object> readConfig(Path file) throws IOException {
        Dictionary<Object, Object> read;
        try (InputStream in = Files.newInputStream(file)) {
            read = ConfigurationHandler.read(in);
        } catch (NoSuchFileException | AccessDeniedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IOException("not in the .config format (" + e.getMessage() + ")", e);
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        for (Enumeration<Object> keys = read.keys(); keys.hasMoreElements();) {
            Object key = keys.nextElement();
            properties.put(key.toString(), read.get(key));
        }
        return properties;
    }

    /** {@code ${name}}: a framework property, else a system property, else empty. */
    static String substitute(BundleContext context, String value) throws IOException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int start = value.indexOf("${", i);
            if (start < 0) {
                return out.append(value, i, value.length()).toString();
            }
            int end = value.indexOf('}', start);
            if (end < 0) {
                throw new IOException("unterminated ${ in \"" + value + "\"");
            }
            String replacement = context.getProperty(value.substring(start + 2, end));
            out.append(value, i, start).append(replacement == null ? "" : replacement);
            i = end + 1;
        }
    }
}

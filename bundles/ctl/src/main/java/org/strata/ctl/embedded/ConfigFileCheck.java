package org.strata.ctl.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.strata.cli.wire.Endpoint;

/**
 * The daemon's check of the configuration files FileInstall applies from etc/. A file FileInstall cannot read at
 * all (a malformed {@code \\uXXXX} escape, no read permission, a .config file that does not parse) it skips with a
 * line of its own that does not say why, and the configuration of that PID stays as it was. This reads each file
 * as FileInstall does ({@link ConfigFiles#read}) when it appears or changes, and says why in one ERROR line. At
 * start the line also goes to the launcher (a {@code strata.config.error} marker), which refuses to start the
 * daemon, as for an agent setting that does not parse; later the configuration in force stays.
 */
final class ConfigFileCheck implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.strata.ctl");
    /** FileInstall's setting for how often it looks at its directories; the check follows its pace. */
    private static final String POLL_PROPERTY = "felix.fileinstall.poll";

    private final BundleContext context;
    private final Path etc;
    /** Each file as last read: its modification time and size, as FileInstall tells a change. */
    private final Map<Path, String> checked = new HashMap<>();
    private final ScheduledExecutorService poll = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "strata-config-check");
        t.setDaemon(true);
        return t;
    });

    private ConfigFileCheck(BundleContext context, Path etc) {
        this.context = context;
        this.etc = etc;
    }

    /** Checks every file now (a file that cannot be read fails the start), then each change as it comes. */
    static ConfigFileCheck start(BundleContext context, Path etc) {
        ConfigFileCheck check = new ConfigFileCheck(context, etc);
        List<String> unreadable = check.scan();
        unreadable.forEach(line -> LOG.log(System.Logger.Level.ERROR, line));
        if (!unreadable.isEmpty()) {
            Hashtable<String, Object> marker = new Hashtable<>();
            marker.put(Endpoint.CONFIG_ERROR_PROPERTY, unreadable.get(0));
            context.registerService(Object.class.getName(), new Object(), marker); // gone with the bundle
        }
        String configured = context.getProperty(POLL_PROPERTY);
        long millis = configured == null || !configured.matches("[0-9]{1,9}") ? 1000 : Long.parseLong(configured);
        check.poll.scheduleWithFixedDelay(check::reportChanges, millis, Math.max(millis, 100), TimeUnit.MILLISECONDS);
        return check;
    }

    private void reportChanges() {
        for (String line : scan()) {
            LOG.log(System.Logger.Level.ERROR, line + "; the configuration in force stays");
        }
    }

    /** Reads each file that is new or changed since the last scan; one line per file that cannot be read. */
    List<String> scan() {
        List<String> unreadable = new ArrayList<>();
        List<Path> files;
        try {
            files = ConfigFiles.list(etc);
        } catch (IOException e) {
            return List.of(etc + ": " + e.getMessage());
        }
        checked.keySet().retainAll(files);
        for (Path file : files) {
            String stamp = stamp(file);
            if (stamp.equals(checked.put(file, stamp))) {
                continue;
            }
            try {
                ConfigFiles.read(context, file);
            } catch (IOException e) {
                unreadable.add(e.getMessage());
            }
        }
        return unreadable;
    }

    private static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime() + " " + a.size();
        } catch (IOException e) {
            return "gone"; // FileInstall sees it gone too
        }
    }

    @Override
    public void close() {
        poll.shutdownNow();
    }
}

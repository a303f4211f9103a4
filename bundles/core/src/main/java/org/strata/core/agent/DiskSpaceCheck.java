package org.strata.core.agent;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.strata.core.health.HealthCheck;

/**
 * Free space under the image roots: the configured {@code allowed.roots} that are local directories and the
 * directories of the nodes' local image files (block devices and remote images have no free space to watch).
 * A warning below {@code health.space.warning} percent free, critical below {@code health.space.critical}.
 */
@Component(service = HealthCheck.class, configurationPid = "org.strata.agent")
public final class DiskSpaceCheck implements HealthCheck {

    /** The thresholds; the PID's other settings are {@link AgentConfig}'s (allowed.roots is read from there). */
    public @interface Config {
        /** Below this percentage of free space under an image root: a warning. */
        double health_space_warning() default 10;

        /** Below this percentage of free space under an image root: critical. */
        double health_space_critical() default 5;
    }

    private final NodeManager nodes;
    private final ImageService images;
    private volatile Config config;

    @Activate
    public DiskSpaceCheck(@Reference NodeManager nodes, @Reference ImageService images, Config config) {
        this.nodes = nodes;
        this.images = images;
        this.config = config;
    }

    @Modified
    void modified(Config c) {
        this.config = c;
    }

    @Override
    public String name() {
        return "disk-space";
    }

    @Override
    public Result check() {
        Config c = config;
        Map<FileStore, Path> stores = new LinkedHashMap<>();
        for (Path root : roots()) {
            try {
                stores.putIfAbsent(Files.getFileStore(root), root);
            } catch (IOException e) {
                // a root that does not exist (yet) holds no images to watch
            }
        }
        Status worst = Status.OK;
        List<String> lines = new ArrayList<>();
        for (Map.Entry<FileStore, Path> e : stores.entrySet()) {
            try {
                long total = e.getKey().getTotalSpace();
                double free = total == 0 ? 100 : e.getKey().getUsableSpace() * 100.0 / total;
                Status s = free < c.health_space_critical() ? Status.CRITICAL
                        : free < c.health_space_warning() ? Status.WARNING : Status.OK;
                worst = worst.worse(s);
                lines.add(String.format("%s %.1f%% free", e.getValue(), free));
            } catch (IOException ex) {
                worst = worst.worse(Status.WARNING);
                lines.add(e.getValue() + ": " + ex.getMessage());
            }
        }
        String message = lines.isEmpty() ? "no local image roots" : String.join(", ", lines);
        return new Result(worst, message);
    }

    /** The local directories images lie in: configured roots, then each node's file's directory. */
    private Set<Path> roots() {
        Set<Path> roots = new LinkedHashSet<>();
        for (String r : images.opener().configuredRoots()) {
            if (r.startsWith("/")) {
                roots.add(Path.of(r));
            }
        }
        for (Node n : nodes.list()) {
            String file = n.spec().file();
            if (file.startsWith("/") && !file.startsWith("/dev/")) {
                roots.add(Path.of(file).getParent());
            }
        }
        return roots;
    }
}

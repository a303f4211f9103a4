package org.strata.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.core.health.Health;
import org.strata.core.health.HealthCheck;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.TestEngines;

/** The node and disk space checks of agent:health, on real images and the real file system. */
class HealthChecksTest {

    @TempDir
    Path home;

    @Test
    void aNodeWhoseDriverLeavesIsCriticalUntilTheDriverReturns() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[4096]);
        RawFormatDriver raw = new RawFormatDriver();
        DriverRegistry registry = new DriverRegistry();
        registry.addStorage(new FileStorageDriver());
        registry.addFormat(raw);
        NodeManager nodes = new NodeManager(new ImageService(registry, TestEngines.ioThreads(), home, Mode.DAEMON,
                new AgentSettings(List.of(), 1, false)), registry);
        Health health = new Health();
        health.addCheck(new NodeHealthChecks.Drivers(nodes, registry));
        health.addCheck(new NodeHealthChecks.Attached(nodes));
        try {
            assertEquals(HealthCheck.Status.OK, health.run().status(), health.run().toString());
            nodes.add("vm1", "disk.img", null, false, CacheMode.WRITEBACK, home, List.of());
            assertEquals(HealthCheck.Status.OK, health.run().status(), health.run().toString());

            registry.removeFormat(raw);
            Health.Report report = health.run();
            assertEquals(HealthCheck.Status.CRITICAL, report.status(), report.toString());
            assertEquals(List.of("drivers", "nodes"), report.findings().stream().map(Health.Finding::check).toList());
            assertTrue(report.findings().get(0).result().message().contains("vm1 needs format:raw"), report.toString());
            assertTrue(report.findings().get(1).result().message().contains("vm1"), report.toString());

            registry.addFormat(new RawFormatDriver());
            assertEquals(HealthCheck.Status.OK, health.run().status(), health.run().toString());
        } finally {
            nodes.deactivate();
        }
    }

    @Test
    void freeSpaceBelowTheThresholdsOfTheImageRootsWarnsOrIsCritical() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[4096]);
        DriverRegistry registry = new DriverRegistry();
        registry.addStorage(new FileStorageDriver());
        registry.addFormat(new RawFormatDriver());
        ImageService images = new ImageService(registry, TestEngines.ioThreads(), home, Mode.DAEMON,
                new AgentSettings(List.of(), 1, false));
        NodeManager nodes = new NodeManager(images, registry);
        try {
            assertEquals("no local image roots", new DiskSpaceCheck(nodes, images, thresholds(10, 5)).check()
                    .message());
            nodes.add("vm1", "disk.img", null, false, CacheMode.WRITEBACK, home, List.of());
            // no file system is more than 100 % free, and every one is at least 0 % free
            assertEquals(HealthCheck.Status.OK, new DiskSpaceCheck(nodes, images, thresholds(0, 0)).check().status());
            HealthCheck.Result warning = new DiskSpaceCheck(nodes, images, thresholds(100.1, 0)).check();
            assertEquals(HealthCheck.Status.WARNING, warning.status());
            Path root = Path.of(nodes.get("vm1").spec().file()).getParent();
            assertTrue(warning.message().matches(root + " \\d+\\.\\d% free"), warning.message());
            assertEquals(HealthCheck.Status.CRITICAL,
                    new DiskSpaceCheck(nodes, images, thresholds(100.1, 100.1)).check().status());
        } finally {
            nodes.deactivate();
        }
    }

    private static DiskSpaceCheck.Config thresholds(double warning, double critical) {
        return new DiskSpaceCheck.Config() {
            @Override
            public double health_space_warning() {
                return warning;
            }

            @Override
            public double health_space_critical() {
                return critical;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return DiskSpaceCheck.Config.class;
            }
        };
    }
}

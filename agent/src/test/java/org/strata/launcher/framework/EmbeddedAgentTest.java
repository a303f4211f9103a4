package org.strata.launcher.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.strata.cli.wire.EmbeddedAgent;
import org.strata.cli.wire.Endpoint;
import org.strata.cli.wire.Request;

/**
 * strata run's way into the agent, in a real framework with the real ctl bundle: the bundle takes the wire package
 * from the system bundle (the launcher's class path), so the service it registers is the launcher's
 * {@link EmbeddedAgent} type and is called without reflection.
 */
class EmbeddedAgentTest {

    @TempDir
    Path home;

    @Test
    void theCtlBundleServesStrataRunThroughTheLaunchersInterface() throws Exception {
        Path bundles = Files.createDirectories(home.resolve("bundle"));
        // ctl and what it needs to resolve; Declarative Services stays stopped, as in strata run until the end
        for (String property : List.of("bundle.ctl", "bundle.gogo.runtime", "bundle.configadmin", "bundle.scr",
                "bundle.component", "bundle.promise", "bundle.function")) {
            Path jar = Path.of(System.getProperty(property));
            Files.copy(jar, bundles.resolve(jar.getFileName()));
        }
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/config.properties"), "felix.log.level=1\n");
        AgentFramework framework = AgentFramework.start(home.toFile(), Endpoint.RUN,
                AgentFramework.freshStorage(Files.createDirectories(home.resolve("var/cache")).toFile()), false);
        try {
            List<Bundle> installed = framework.install(bundles.toFile(), true, true);
            framework.resolveAll();
            framework.startLibrariesAndStrata(installed, true);

            Bundle ctl = AgentFramework.find(installed, "org.strata.ctl");
            assertNotNull(ctl);
            assertEquals(0, wireProvider(ctl, "org.strata.cli.wire").getBundleId(),
                    "the wire package comes from the system bundle");

            ServiceReference<EmbeddedAgent> ref = framework.context().getServiceReference(EmbeddedAgent.class);
            assertNotNull(ref, "the ctl bundle registers the entry point as soon as it starts");
            EmbeddedAgent agent = framework.context().getService(ref);
            agent.pushConfigurations(home.resolve("etc"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Request request = new Request(Request.EXEC, home.toString(), false, false, List.<String>of(),
                    List.of("no:such"));
            int status = agent.execute(request, new ByteArrayInputStream(new byte[0]), out, err);
            assertEquals(1, status);
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("strata: Command not found: no:such"),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            assertTrue(framework.stop(30_000));
        }
    }

    /** The bundle that provides a package the given bundle imports. */
    private static Bundle wireProvider(Bundle bundle, String pkg) {
        for (BundleWire wire : bundle.adapt(BundleWiring.class).getRequiredWires(BundleRevision.PACKAGE_NAMESPACE)) {
            if (pkg.equals(wire.getCapability().getAttributes().get(BundleRevision.PACKAGE_NAMESPACE))) {
                return wire.getProvider().getBundle();
            }
        }
        throw new AssertionError(bundle.getSymbolicName() + " does not import " + pkg);
    }
}

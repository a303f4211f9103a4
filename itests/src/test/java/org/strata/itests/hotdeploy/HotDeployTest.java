package org.strata.itests.hotdeploy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Hot deploy in a real Felix with Declarative Services and FileInstall (poll 1 s), as the daemon runs it: a
 * driver jar copied atomically into the watched directory registers its FormatDriver within 5 s, removing the
 * jar unregisters it within 5 s, and copying it back brings it back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotDeployTest {

    private static final long LIMIT_MILLIS = 5_000;
    private static final String RAW_DRIVER = "(&(objectClass=org.strata.api.FormatDriver)(strata.format=raw))";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws IOException {
        Path watched = watchedDirectory();
        Files.createDirectories(watched);
        try (var old = Files.list(watched)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.delete(p);
            }
        }
        return options(
                junitBundles(),
                bundleAt("bundle.function"),
                bundleAt("bundle.promise"),
                bundleAt("bundle.component"),
                bundleAt("bundle.scr"),
                bundleAt("bundle.configadmin"),
                bundleAt("bundle.strata.api"),
                bundleAt("bundle.fileinstall"),
                frameworkProperty("felix.fileinstall.dir").value(watched.toString()),
                frameworkProperty("felix.fileinstall.poll").value("1000"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                frameworkProperty("felix.fileinstall.bundles.startTransient").value("true"),
                frameworkProperty("felix.fileinstall.log.level").value("2"),
                frameworkProperty("felix.fileinstall.tmpdir").value(watched.resolveSibling("fileinstall-tmp").toString()));
    }

    private static Option bundleAt(String property) {
        return bundle(new File(System.getProperty(property)).toURI().toString());
    }

    private static Path watchedDirectory() {
        return Path.of(System.getProperty("itest.work"), "hotdeploy");
    }

    @Before
    public void watchedDirectoryStartsEmpty() throws Exception {
        assertEquals("no raw driver before the jar is dropped", 0, rawDrivers());
    }

    @Test
    public void dropRemoveAndRestoreADriverJar() throws Exception {
        Path jar = watchedDirectory().resolve("strata-format-raw.jar");
        Path source = Path.of(System.getProperty("bundle.strata.format.raw"));

        copyAtomically(source, jar);
        long appeared = await(() -> rawDrivers() == 1);
        System.out.println("raw driver registered " + appeared + " ms after the jar was dropped");

        Files.delete(jar);
        long gone = await(() -> rawDrivers() == 0);
        System.out.println("raw driver unregistered " + gone + " ms after the jar was removed");

        copyAtomically(source, jar);
        long back = await(() -> rawDrivers() == 1);
        System.out.println("raw driver registered again " + back + " ms after the jar was copied back");
    }

    /** Written under another name in the same directory, then renamed: FileInstall never sees half a jar. */
    private static void copyAtomically(Path source, Path target) throws IOException {
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private int rawDrivers() {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, RAW_DRIVER);
            return refs == null ? 0 : refs.length;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Milliseconds until the condition held; fails the test after 5 s. */
    private static long await(BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            assertTrue("not within " + LIMIT_MILLIS + " ms", elapsed < LIMIT_MILLIS);
            Thread.sleep(50);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }
}

package org.strata.itests.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.strata.itests.testcmd.TestCommandsActivator;

/** Packs the test-only command classes (org.strata.itests.testcmd) as a bundle jar. */
final class TestCommandBundle {

    static final String SYMBOLIC_NAME = "org.strata.itests.testcmd";

    private TestCommandBundle() {
    }

    static void write(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", SYMBOLIC_NAME);
        main.putValue("Bundle-Version", "0.0.1");
        main.putValue("Bundle-Activator", TestCommandsActivator.class.getName());
        main.putValue("Import-Package", "org.osgi.framework,org.osgi.service.cm,org.apache.felix.service.command,"
                + "org.osgi.service.component.runtime,org.osgi.service.component.runtime.dto");
        String packagePath = TestCommandsActivator.class.getPackageName().replace('.', '/');
        Path classes = Path.of(System.getProperty("itest.testClasses")).resolve(packagePath);
        Files.createDirectories(jar.getParent());
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> list = Files.list(classes)) {
            for (Path c : (Iterable<Path>) list.sorted()::iterator) {
                out.putNextEntry(new JarEntry(packagePath + "/" + c.getFileName()));
                Files.copy(c, out);
                out.closeEntry();
            }
        }
    }
}

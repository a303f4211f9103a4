package org.strata.itests.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Driver jars as an administrator would drop them into deploy/: rebuilt copies of the install tree's jars with
 * another Bundle-Version (a new release of the driver) or another API import range (a driver built for another
 * agent), copied in atomically.
 */
final class DriverJars {

    private DriverJars() {
    }

    /** The install tree's jar of a bundle, e.g. "strata-format-qcow2". */
    static Path original(String artifact) throws IOException {
        try (var jars = Files.list(StrataInstall.DIST.resolve("deploy"))) {
            return jars.filter(p -> p.getFileName().toString().startsWith(artifact + "-")).findFirst()
                    .orElseThrow(() -> new IOException("no " + artifact + " jar in the install tree"));
        }
    }

    /** Drops a copy of {@code jar} into {@code deploy}, under its own name: written beside deploy/, then renamed in. */
    static Path dropCopy(Path deploy, Path jar) throws IOException {
        Path target = deploy.resolve(jar.getFileName());
        Path partial = deploy.resolveSibling(target.getFileName() + ".part");
        Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /**
     * Drops into {@code deploy} a copy of {@code artifact}'s jar whose manifest says {@code version} (and, when
     * {@code apiRange} is not null, imports org.strata.api in that range), named ARTIFACT-VERSION.jar. It is
     * written beside deploy/, then renamed in, so FileInstall never sees half a jar.
     */
    static Path drop(Path deploy, String artifact, String version, String apiRange) throws IOException {
        Path target = deploy.resolve(artifact + "-" + version + ".jar");
        Path partial = deploy.resolveSibling(target.getFileName() + ".part");
        try (JarFile in = new JarFile(original(artifact).toFile())) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            if (apiRange != null) {
                String imports = manifest.getMainAttributes().getValue("Import-Package");
                manifest.getMainAttributes().putValue("Import-Package",
                        imports.replaceAll("org\\.strata\\.api;version=\"[^\"]*\"",
                                "org.strata.api;version=\"" + apiRange + "\""));
            }
            try (OutputStream file = Files.newOutputStream(partial);
                 JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    if (!entry.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME)) {
                        out.putNextEntry(new JarEntry(entry.getName()));
                        in.getInputStream(entry).transferTo(out);
                        out.closeEntry();
                    }
                }
            }
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}

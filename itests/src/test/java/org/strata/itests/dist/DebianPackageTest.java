package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * The Debian package (dist/target/strata_VERSION_all.deb), installed by dpkg into a throwaway root: its maintainer
 * scripts run as for an installation in /, but on that root's files and user database (dpkg --root with
 * --force-script-chrootless sets DPKG_ROOT). PID 1 of the test machines is not systemd, so the unit is checked with
 * {@code systemd-analyze verify}, and the test does what systemd would do with it: runs its ExecStart= as its User=
 * with its Environment=, waits for its ExecStartPost= readiness check, stops the daemon with SIGTERM within its
 * TimeoutStopSec=. Then an upgrade keeps the administrator's configuration, state and choice of a disabled unit, a
 * removal keeps configuration and state, and a purge leaves nothing behind.
 */
class DebianPackageTest {

    private static final Path DEB = Path.of(System.getProperty("strata.deb"));
    private static final String UNIT = "/lib/systemd/system/strata.service";

    Path root;
    Process daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly();
            daemon.waitFor(60, TimeUnit.SECONDS);
        }
        StrataInstall.deleteTree(root);
    }

    @Test
    void installsRunsAsItsUserUnderTheUnitsSettingsUpgradesAndPurges() throws Exception {
        root = emptyRoot();
        ok(dpkg("-i", DEB.toString()));
        Path home = root.resolve("opt/strata");

        // postinst: a system user, the directories the daemon writes, the unit enabled
        String[] user = passwdEntry("strata");
        assertEquals(List.of("/opt/strata/var", "/usr/sbin/nologin"), List.of(user[5], user[6]));
        int uid = Integer.parseInt(user[2]);
        int gid = Integer.parseInt(user[3]);
        assertOwned(home.resolve("var"), uid, "rwxr-x---");
        assertOwned(home.resolve("var/tmp"), uid, "rwxr-x---");
        assertOwned(home.resolve("run"), uid, "rwx------");
        assertOwned(home.resolve("bin/strata"), 0, "rwxr-xr-x");
        assertTrue(StrataInstall.cdsArchive(home, "run") > 0, "no class-data sharing archive for run");
        assertTrue(StrataInstall.cdsArchive(home, "client") > 0, "no class-data sharing archive for exec");
        Path wanted = root.resolve("etc/systemd/system/multi-user.target.wants/strata.service");
        assertEquals(Path.of(UNIT), Files.readSymbolicLink(wanted));
        assertEquals(List.of("/opt/strata/etc/config.properties", "/opt/strata/etc/org.strata.agent.cfg",
                "/opt/strata/etc/org.strata.nbd.cfg"), Files.readAllLines(root.resolve("var/lib/dpkg/info/strata.conffiles")));

        // the unit, as systemd reads it (with this machine's targets, which it depends on)
        Files.createDirectories(root.resolve("usr/lib/systemd/system"));
        try (var targets = Files.newDirectoryStream(Path.of("/usr/lib/systemd/system"), "*.target")) {
            for (Path target : targets) {
                Files.copy(target, root.resolve("usr/lib/systemd/system").resolve(target.getFileName()));
            }
        }
        Result verify = run(new ProcessBuilder("systemd-analyze", "verify", "--root=" + root, UNIT));
        assertEquals(0, verify.status(), verify.toString());
        assertEquals("", verify.out() + verify.err(), "systemd-analyze warns");
        Map<String, List<String>> unit = serviceSection(root.resolve(UNIT.substring(1)));
        assertEquals(List.of("exec"), unit.get("Type"));
        assertEquals(List.of("strata"), unit.get("User"));
        assertEquals(List.of("on-failure"), unit.get("Restart"));

        // started as systemd would start it, but serving NBD on a socket of its own (10809 may be taken here)
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin");
        for (String assignment : unit.get("Environment")) {
            String[] kv = assignment.replace("\"", "").split("=", 2);
            env.put(kv[0], kv[1]);
        }
        assertTrue(env.get("JAVA_OPTS").contains("-Xmx"), env.toString());
        assertEquals("127.0.0.1:10809", env.put("STRATA_NBD_LISTEN", "unix:" + home.resolve("run/nbd.sock")));
        ProcessBuilder start = asUser(uid, gid, env, commandLine(unit, "ExecStart", 0));
        daemon = start.redirectOutput(root.resolve("daemon.out").toFile())
                .redirectError(root.resolve("daemon.err").toFile()).start();
        List<String> post = commandLine(unit, "ExecStartPost", daemon.pid());
        Result ready = run(asUser(uid, gid, env, post));
        assertEquals(0, ready.status(), ready + Files.readString(root.resolve("daemon.err")));

        // it works with the strata user's rights (files it writes are that user's); root is a client too
        Path images = Files.createDirectories(root.resolve("srv/images"));
        Files.setAttribute(images, "unix:uid", uid);
        Files.setAttribute(images, "unix:gid", gid);
        List<String> strata = List.of(home.resolve("bin/strata").toString(), "exec");
        ok(run(asUser(uid, gid, env, concat(strata, "image:create", "-f", "qcow2", "disk.qcow2", "4M"))
                .directory(images.toFile())));
        ok(run(withEnv(env, concat(strata, "node:add", "--name", "disk", "disk.qcow2")).directory(images.toFile())));
        assertOwned(images.resolve("disk.qcow2"), uid, "rw-r--r--");
        assertOwned(home.resolve("var/nodes.json"), uid, null);

        long stopSeconds = Long.parseLong(unit.get("TimeoutStopSec").get(0));
        daemon.destroy();
        assertTrue(daemon.waitFor(stopSeconds, TimeUnit.SECONDS), "not stopped within TimeoutStopSec");
        assertEquals(0, daemon.exitValue(), Files.readString(root.resolve("daemon.err")));
        QemuTools.qemuImg("check", images.resolve("disk.qcow2")); // closed cleanly

        // an upgrade (the same version again) keeps changed conffiles, the state and a disabled unit
        Path nbdConfig = home.resolve("etc/org.strata.nbd.cfg");
        Files.writeString(nbdConfig, Files.readString(nbdConfig) + "listen=127.0.0.1:10810\n");
        ok(run(new ProcessBuilder("systemctl", "--root=" + root, "--quiet", "disable", "strata.service")));
        ok(dpkg("-i", DEB.toString()));
        assertTrue(Files.readString(nbdConfig).endsWith("listen=127.0.0.1:10810\n"));
        assertFalse(Files.exists(wanted, LinkOption.NOFOLLOW_LINKS), "the unit was enabled again");
        assertTrue(Files.readString(home.resolve("var/nodes.json")).contains("disk.qcow2"));

        // removing keeps the configuration (the unit's enablement included) and the state; purging deletes them
        ok(run(new ProcessBuilder("systemctl", "--root=" + root, "--quiet", "enable", "strata.service")));
        ok(dpkg("--remove", "strata"));
        assertFalse(Files.exists(home.resolve("bin")));
        assertTrue(Files.exists(nbdConfig) && Files.exists(home.resolve("var/nodes.json")));
        assertTrue(Files.exists(wanted, LinkOption.NOFOLLOW_LINKS), "removing disabled the unit");
        ok(dpkg("--purge", "strata"));
        assertFalse(Files.exists(home), "left behind: " + (Files.exists(home) ? list(home) : ""));
        assertFalse(Files.exists(root.resolve(UNIT.substring(1))));
        assertFalse(Files.exists(wanted, LinkOption.NOFOLLOW_LINKS), "purging left the unit enabled");
        assertEquals("strata", passwdEntry("strata")[0]); // system users stay, as Debian keeps them
    }

    /** A root with what dpkg and useradd need: an empty package database and a user database holding root. */
    private static Path emptyRoot() throws IOException {
        Path root = StrataInstall.newScratchDir("r");
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        Files.createDirectories(root.resolve("etc"));
        for (String db : List.of("passwd", "group", "shadow", "gshadow")) {
            Files.writeString(root.resolve("etc").resolve(db), Files.readAllLines(Path.of("/etc", db)).stream()
                    .filter(line -> line.startsWith("root:")).findFirst().orElseThrow() + "\n");
        }
        return root;
    }

    /** dpkg on the throwaway root; its Depends (a JRE) are this machine's, not in the root's package database. */
    private Result dpkg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-script-chrootless",
                "--force-depends", "--log=" + root.resolve("dpkg.log")));
        command.addAll(Arrays.asList(args));
        return run(new ProcessBuilder(command));
    }

    private static Result run(ProcessBuilder pb) throws Exception {
        return StrataInstall.collect(pb.start(), null);
    }

    private static void ok(Result r) {
        assertEquals(0, r.status(), r.toString());
    }

    /** {@code command} as systemd runs a service's: as that user, with only the unit's environment. */
    private static ProcessBuilder asUser(int uid, int gid, Map<String, String> env, List<String> command) {
        return withEnv(env, concat(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"),
                command.toArray(new String[0])));
    }

    private static ProcessBuilder withEnv(Map<String, String> env, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    /** The unit's command line {@code key}, its program inside the throwaway root, ${MAINPID} replaced. */
    private List<String> commandLine(Map<String, List<String>> unit, String key, long mainPid) {
        List<String> words = new ArrayList<>(Arrays.asList(unit.get(key).get(0).split(" +")));
        words.set(0, root + words.get(0));
        words.replaceAll(w -> w.replace("${MAINPID}", Long.toString(mainPid)));
        return words;
    }

    /** The [Service] section of a unit file: each key with its values in order (comments and blank lines skipped). */
    private static Map<String, List<String>> serviceSection(Path unitFile) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String section = "";
        for (String line : Files.readAllLines(unitFile)) {
            line = line.strip();
            if (line.startsWith("[")) {
                section = line;
            } else if (section.equals("[Service]") && !line.isEmpty() && !line.startsWith("#")) {
                String[] kv = line.split("=", 2);
                keys.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv[1]);
            }
        }
        return keys;
    }

    private String[] passwdEntry(String name) throws IOException {
        return Files.readAllLines(root.resolve("etc/passwd")).stream().map(l -> l.split(":"))
                .filter(f -> f[0].equals(name)).findFirst().orElseThrow(() -> new AssertionError("no user " + name));
    }

    private static void assertOwned(Path file, int uid, String permissions) throws IOException {
        assertEquals(uid, Files.getAttribute(file, "unix:uid"), file.toString());
        if (permissions != null) {
            assertEquals(permissions, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    file.toString());
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all;
    }

    private static String list(Path dir) throws IOException {
        try (var all = Files.walk(dir)) {
            return all.map(Path::toString).toList().toString();
        }
    }
}

package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * The management socket's door: the peer's credentials (SO_PEERCRED) are checked, not only the socket's mode. Real
 * users, made for the test: an outsider and a member (supplementary) of a group that {@code management.group} lets
 * in; each runs {@code bin/strata exec} as itself with runuser.
 */
class ManagementAccessTest {

    private static final String SUFFIX = Long.toString(ProcessHandle.current().pid());
    private static final String GROUP = "sdg" + SUFFIX;
    private static final String OUTSIDER = "sdo" + SUFFIX;
    private static final String MEMBER = "sdm" + SUFFIX;
    private static final String DAEMON_USER = "sdd" + SUFFIX;

    @BeforeAll
    static void users() {
        QemuTools.run("groupadd", GROUP).ok();
        QemuTools.run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", OUTSIDER).ok();
        QemuTools.run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "-G", GROUP, MEMBER).ok();
        QemuTools.run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", DAEMON_USER).ok();
    }

    @AfterAll
    static void removeUsers() {
        QemuTools.run("userdel", OUTSIDER);
        QemuTools.run("userdel", MEMBER);
        QemuTools.run("userdel", DAEMON_USER);
        QemuTools.run("groupdel", GROUP);
    }

    /** {@code bin/strata exec ARGS} as {@code user}. */
    private static Result execAs(String user, Path home, String... args) throws Exception {
        return StrataInstall.collect(asUser(user, StrataInstall.command(home, home, args)).start(), null);
    }

    private static ProcessBuilder asUser(String user, ProcessBuilder strata) {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        command.addAll(strata.command());
        return strata.command(command);
    }

    private static void widenToEveryone(Path home) throws IOException {
        Files.setPosixFilePermissions(home.resolve("run"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(home.resolve("run/strata.sock"), PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    private static void assertRefused(Result r, String user) {
        assertEquals(1, r.status(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("strata: user " + user + " may not use this management socket"), r.toString());
        assertEquals("", r.out(), r.toString());
    }

    @Test
    void anotherUserIsRefusedByItsCredentialsEvenWhenTheModeLetsItIn() throws Exception {
        Path home = StrataInstall.newHome();
        try (Daemon daemon = Daemon.start(home)) {
            PosixFileAttributes socket = Files.readAttributes(daemon.socket(), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertEquals("rw-------", PosixFilePermissions.toString(socket.permissions()));

            widenToEveryone(home);
            assertRefused(execAs(OUTSIDER, home, "exec", "agent:status"), OUTSIDER);
            assertRefused(execAs(MEMBER, home, "exec", "agent:status"), MEMBER); // no group configured
            assertTrue(daemon.log().contains("user " + OUTSIDER + " may not use this management socket"),
                    daemon.log());
            assertTrue(daemon.exec("agent:status").out().contains("uptime"), "root still gets in");
            assertEquals(0, daemon.terminate());
        }
    }

    @Test
    void aConfiguredGroupLetsItsMembersInAndNobodyElse() throws Exception {
        Path home = StrataInstall.newHome();
        Files.writeString(home.resolve("etc/org.strata.agent.cfg"), "\nmanagement.group=" + GROUP + "\n",
                StandardOpenOption.APPEND);
        try (Daemon daemon = Daemon.start(home)) {
            PosixFileAttributes run = Files.readAttributes(home.resolve("run"), PosixFileAttributes.class);
            PosixFileAttributes socket = Files.readAttributes(daemon.socket(), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertEquals(GROUP, run.group().getName());
            assertEquals("rwxr-x---", PosixFilePermissions.toString(run.permissions()));
            assertEquals(GROUP, socket.group().getName());
            assertEquals("rw-rw----", PosixFilePermissions.toString(socket.permissions()));

            Result member = execAs(MEMBER, home, "exec", "agent:status");
            assertEquals(0, member.status(), member.toString());
            assertTrue(member.out().contains("uptime"), member.toString());

            widenToEveryone(home);
            assertRefused(execAs(OUTSIDER, home, "exec", "agent:status"), OUTSIDER);
            assertEquals(0, daemon.terminate());
        }
    }

    @Test
    void theDaemonsOwnUserAndRootGetInOthersDoNot() throws Exception {
        Path home = StrataInstall.newHome();
        QemuTools.run("chown", "-R", DAEMON_USER, home.toString()).ok();
        Path out = home.resolve("daemon.out");
        Process daemon = asUser(DAEMON_USER, StrataInstall.command(home, home, "daemon"))
                .redirectOutput(out.toFile()).redirectError(home.resolve("daemon.err").toFile()).start();
        try {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(out).contains("daemon running")) {
                assertTrue(daemon.isAlive() && System.nanoTime() < deadline,
                        "the daemon did not start: " + Files.readString(home.resolve("daemon.err")));
                Thread.sleep(50);
            }
            assertEquals(DAEMON_USER, Files.getOwner(home.resolve("run/strata.sock")).getName());
            Result own = execAs(DAEMON_USER, home, "exec", "agent:status");
            assertEquals(0, own.status(), own.toString());
            Result root = StrataInstall.strata(home, home, "exec", "agent:status");
            assertEquals(0, root.status(), root.toString());
            // the daemon's user may widen its own socket; the credentials still keep others out
            assertEquals(0, asUser(DAEMON_USER, new ProcessBuilder("chmod", "0755", home.resolve("run").toString()))
                    .start().waitFor());
            assertEquals(0, asUser(DAEMON_USER, new ProcessBuilder("chmod", "0666",
                    home.resolve("run/strata.sock").toString())).start().waitFor());
            assertRefused(execAs(OUTSIDER, home, "exec", "agent:status"), OUTSIDER);
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
    }
}

package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.CpuTime;
import org.strata.testkit.QemuTools;

/**
 * A real guest as the client: a Linux VM under QEMU (software emulation) boots Debian's cloud kernel with a busybox
 * initramfs built here from the installed packages, and uses a Strata NBD export as its virtio disk
 * (guest-init.sh): raw data written with O_DIRECT and read back, an ext2 file system made, filled, trimmed and read
 * again from disk; then it powers off. The image is then checked: {@code qemu-img check} clean, e2fsck clean, and
 * the raw data and a file read back on the host as the guest wrote them.
 */
class RealGuestTest {

    private static final Path MODULES = Path.of("/lib/modules");
    private static final List<String> GUEST_MODULES = List.of("virtio_pci", "virtio_blk");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final long MIB = 1 << 20;

    private Daemon daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aLinuxGuestUsesAnExportAsItsDiskAndLeavesACleanImage() throws Exception {
        double cpu = CpuTime.seconds();
        Path home = StrataInstall.newHome();
        Path image = home.resolve("guest.qcow2");
        QemuTools.qemuImg("create", "-q", "-f", "qcow2", image, 64 * MIB);
        daemon = Daemon.start(home);
        daemon.exec("node:add", "--name", "guest", image.toString());
        daemon.exec("export:add", "--writable", "guest");

        String kernelVersion = cloudKernelVersion();
        Path initrd = initramfs(home, kernelVersion);
        Path console = home.resolve("console.txt");
        long started = System.nanoTime();
        Process vm = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nographic",
                "-no-reboot", "-kernel", "/boot/vmlinuz-" + kernelVersion, "-initrd", initrd.toString(),
                "-append", "console=ttyS0 quiet panic=-1",
                "-drive", "file=" + daemon.nbd("guest") + ",format=raw,if=virtio,cache=none,discard=unmap")
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            assertTrue(vm.waitFor(300, TimeUnit.SECONDS), "the guest did not power off within 300 s");
        } finally {
            vm.destroyForcibly();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        String out = Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1);
        List<String> guest = out.lines().filter(l -> l.contains("GUEST ")).map(l -> l.substring(l.indexOf("GUEST ")))
                .toList();
        assertFalse(guest.stream().anyMatch(l -> l.startsWith("GUEST FAIL")), out);
        assertTrue(guest.contains("GUEST OK"), out);
        assertTrue(guest.contains("GUEST DISK " + 64 * MIB + " bytes"), out);
        daemon.exec("export:remove", "guest");
        daemon.exec("node:remove", "guest");
        assertEquals(0, QemuTools.run("qemu-img", "check", image).exitCode(), "qemu-img check");
        Path raw = home.resolve("guest.raw");
        QemuTools.qemuImg("convert", "-O", "raw", image, raw);
        QemuTools.Result fsck = QemuTools.run("e2fsck", "-f", "-n", raw);
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
        byte[] disk = Files.readAllBytes(raw);
        Matcher sum = Pattern.compile("GUEST RAW ([0-9a-f]{64})").matcher(out);
        assertTrue(sum.find(), out);
        assertEquals(sum.group(1), sha256(Arrays.copyOfRange(disk, (int) (40 * MIB), (int) (56 * MIB))),
                "the raw data on the host is what the guest wrote");
        Path busybox = home.resolve("busybox.out");
        QemuTools.run("debugfs", "-R", "dump /busybox " + busybox, raw).ok();
        assertArrayEquals(Files.readAllBytes(BUSYBOX), Files.readAllBytes(busybox), "a file the guest copied");
        System.out.printf("real guest: Linux %s under TCG booted, wrote and verified 16 MiB raw and an ext2 file"
                + " system on a qcow2 export, and powered off in %d s; image and file system clean; CPU %.0f s%n",
                kernelVersion, seconds, CpuTime.seconds() - cpu);
    }

    /** The installed cloud kernel (linux-image-cloud-amd64), newest first. */
    private static String cloudKernelVersion() throws IOException {
        try (Stream<Path> dirs = Files.list(MODULES)) {
            return dirs.map(p -> p.getFileName().toString()).filter(v -> v.endsWith("-cloud-amd64"))
                    .filter(v -> Files.exists(Path.of("/boot/vmlinuz-" + v))).max(String::compareTo)
                    .orElseThrow(() -> new AssertionError("no cloud kernel: install linux-image-cloud-amd64"));
        }
    }

    /**
     * A gzipped cpio initramfs: busybox (static) with a link per applet, the virtio modules the disk needs (in
     * dependency order, from modules.dep) and guest-init.sh as /init.
     */
    private static Path initramfs(Path home, String kernelVersion) throws Exception {
        Path root = home.resolve("initramfs");
        Path bin = Files.createDirectories(root.resolve("bin"));
        for (String dir : List.of("proc", "sys", "dev", "tmp", "lib/modules")) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : QemuTools.run(BUSYBOX, "--list").ok().split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
        }
        Path kernelModules = MODULES.resolve(kernelVersion);
        List<String> order = new ArrayList<>();
        for (Path module : moduleLoadOrder(kernelModules)) {
            Files.copy(kernelModules.resolve(module), root.resolve("lib/modules").resolve(module.getFileName()));
            order.add(module.getFileName().toString());
        }
        Files.write(root.resolve("modules"), order);
        Path init = root.resolve("init");
        Files.copy(Path.of(System.getProperty("itest.testClasses"), "guest-init.sh"), init);
        assertTrue(init.toFile().setExecutable(true));
        Path initrd = home.resolve("initrd.gz");
        Process cpio = new ProcessBuilder("sh", "-c", "find . | cpio -o -H newc --quiet | gzip -1")
                .directory(root.toFile()).redirectOutput(initrd.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertTrue(cpio.waitFor(60, TimeUnit.SECONDS) && cpio.exitValue() == 0, "building the initramfs");
        return initrd;
    }

    /** {@link #GUEST_MODULES} and what they need, dependencies first (modules.dep lists the last needed first). */
    private static Set<Path> moduleLoadOrder(Path kernelModules) throws IOException {
        Map<String, List<String>> deps = Files.readAllLines(kernelModules.resolve("modules.dep")).stream()
                .map(l -> l.split(":", 2)).collect(Collectors.toMap(p -> p[0],
                        p -> List.of(p[1].trim().split("\\s+")).stream().filter(s -> !s.isEmpty()).toList()));
        Set<Path> order = new LinkedHashSet<>();
        for (String name : GUEST_MODULES) {
            String module = deps.keySet().stream().filter(m -> Path.of(m).getFileName().toString()
                    .equals(name + ".ko")).findFirst().orElseThrow(() -> new AssertionError("no module " + name));
            addWithDependencies(module, deps, order);
        }
        return order;
    }

    private static void addWithDependencies(String module, Map<String, List<String>> deps, Set<Path> order) {
        List<String> needs = new ArrayList<>(deps.getOrDefault(module, List.of()));
        java.util.Collections.reverse(needs);
        for (String dep : needs) {
            addWithDependencies(dep, deps, order);
        }
        order.add(Path.of(module));
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}

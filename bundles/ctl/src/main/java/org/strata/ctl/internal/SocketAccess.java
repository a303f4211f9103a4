package org.strata.ctl.internal;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may use the management socket, checked on every connection by the peer's credentials (SO_PEERCRED), not
 * only by the socket's file mode: root, the daemon's own user, and, when {@code management.group} is set, the
 * members of that group (as the process's group or a supplementary one). The group also gets into run/ (0750)
 * and the socket (0660); without it they stay 0700 and 0600.
 */
final class SocketAccess {

    private static final long GROUP_LOOKUP_SECONDS = 5;

    private final UserPrincipal root;
    private final UserPrincipal daemon;
    private final String groupName;
    private final GroupPrincipal group;

    private SocketAccess(UserPrincipal root, UserPrincipal daemon, String groupName, GroupPrincipal group) {
        this.root = root;
        this.daemon = daemon;
        this.groupName = groupName;
        this.group = group;
    }

    /**
     * The access to a socket the daemon has bound (its owner is the daemon's user); {@code groupName} blank for
     * none. Sets the modes and group of the socket and its directory to match.
     */
    static SocketAccess apply(Path socket, String groupName) throws IOException {
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal root = users.lookupPrincipalByName("root");
        UserPrincipal daemon = Files.getOwner(socket);
        Path runDir = socket.getParent();
        if (groupName == null || groupName.isBlank()) {
            Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return new SocketAccess(root, daemon, null, null);
        }
        String name = groupName.trim();
        GroupPrincipal group;
        try {
            group = users.lookupPrincipalByGroupName(name);
        } catch (IOException e) {
            throw new IOException("management.group '" + name + "' is not a group on this host");
        }
        try {
            Files.getFileAttributeView(runDir, PosixFileAttributeView.class).setGroup(group);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
        } catch (IOException e) {
            throw new IOException("cannot give " + runDir + " to group '" + name + "' (the daemon's user must be a "
                    + "member of it): " + e.getMessage(), e);
        }
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        return new SocketAccess(root, daemon, name, group);
    }

    /** Why the peer of {@code channel} may not use the socket (one line), or null when it may. */
    String refusal(SocketChannel channel) {
        UnixDomainPrincipal peer;
        try {
            peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (IOException | UnsupportedOperationException e) {
            return "the management socket cannot tell who is connecting: " + e.getMessage();
        }
        UserPrincipal user = peer.user();
        if (user.equals(root) || user.equals(daemon) || inGroup(peer)) {
            return null;
        }
        return "user " + user.getName() + " may not use this management socket: only root, " + daemon.getName()
                + (group == null ? "" : " and the group " + groupName + "'s members")
                + " may (the setting management.group in etc/org.strata.agent.cfg lets a group in)";
    }

    private boolean inGroup(UnixDomainPrincipal peer) {
        if (group == null) {
            return false;
        }
        return peer.group().equals(group) || members().contains(peer.user().getName());
    }

    /** The group's supplementary members, as the host's group database has them now (getent: NSS, not only /etc/group). */
    private List<String> members() {
        try {
            Process getent = new ProcessBuilder("getent", "group", groupName).redirectErrorStream(true).start();
            String out = new String(getent.getInputStream().readNBytes(1 << 20), StandardCharsets.UTF_8).trim();
            if (!getent.waitFor(GROUP_LOOKUP_SECONDS, TimeUnit.SECONDS)) {
                getent.destroyForcibly();
                return List.of();
            }
            // name:password:gid:member,member,...
            String[] fields = out.split(":", -1);
            if (getent.exitValue() != 0 || fields.length < 4 || fields[3].isBlank()) {
                return List.of();
            }
            return Arrays.asList(fields[3].split(","));
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}

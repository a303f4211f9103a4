package org.strata.shell;

import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.SnapshotInfo;
import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;

/** {@code image:snapshot}: qemu-img snapshot, internal snapshots. */
final class SnapshotCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:snapshot", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .flag('l', "list", "list the snapshots")
            .value('c', "create", "NAME", "create a snapshot of the current content")
            .value('a', "apply", "NAME", "revert the image to the snapshot (id or name)")
            .value('d', "delete", "NAME", "delete the snapshot of that name")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .note("At most one of -l, -c, -a and -d."));

    SnapshotCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "list, create, apply or delete internal snapshots";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        int actions = (o.has("list") ? 1 : 0) + (o.has("create") ? 1 : 0) + (o.has("apply") ? 1 : 0)
                + (o.has("delete") ? 1 : 0);
        if (actions > 1) {
            throw new UsageException("Cannot mix '-l', '-a', '-c', '-d'");
        }
        // as qemu-img, no action opens the image and does nothing
        boolean readOnly = actions == 0 || o.has("list");
        try (FormatAccess image = open(inv, file,
                request(inv, o, "format", !readOnly).openBacking(false).build())) {
            if (o.has("list")) {
                List<SnapshotInfo> snaps = image.snapshots();
                if (!snaps.isEmpty()) {
                    inv.out.print("Snapshot list:\n" + SnapshotTable.format(snaps));
                }
            } else if (o.has("create")) {
                String name = o.get("create");
                perform(() -> image.createSnapshot(name), "create", name);
            } else if (o.has("apply")) {
                // by id, else by name, as qemu does
                String name = o.get("apply");
                SnapshotInfo s = find(image, name, true);
                if (s == null) {
                    throw new CommandFailure("Could not apply snapshot '" + name
                            + "': Failed to load snapshot: No such file or directory", 1);
                }
                perform(() -> image.applySnapshot(s.id()), "apply", name);
            } else if (o.has("delete")) {
                // qemu-img snapshot -d deletes by name only
                String name = o.get("delete");
                SnapshotInfo s = find(image, name, false);
                if (s == null) {
                    throw new CommandFailure("Could not delete snapshot '" + name + "': snapshot not found", 1);
                }
                perform(() -> image.deleteSnapshot(s.id()), "delete", name);
            }
            if (!readOnly) {
                image.flush();
            }
        }
        return 0;
    }

    /** The snapshot with that id (when {@code byId}) or else that name, the first one listed; null if none. */
    private static SnapshotInfo find(FormatAccess image, String name, boolean byId) throws Exception {
        List<SnapshotInfo> snaps = image.snapshots();
        if (byId) {
            for (SnapshotInfo s : snaps) {
                if (s.id().equals(name)) {
                    return s;
                }
            }
        }
        for (SnapshotInfo s : snaps) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void perform(Action action, String verb, String name) throws CommandFailure {
        try {
            action.run();
        } catch (Exception e) {
            throw new CommandFailure("Could not " + verb + " snapshot '" + name + "': " + Errors.oneLine(e), 1, e);
        }
    }
}

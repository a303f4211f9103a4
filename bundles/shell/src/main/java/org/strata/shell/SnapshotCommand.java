package org.strata.shell;

import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.SnapshotInfo;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;

/** {@code image:snapshot}: qemu-img snapshot, internal snapshots. */
final class SnapshotCommand extends ImageCommand {

    SnapshotCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:snapshot";
    }

    @Override
    public String summary() {
        return "list, create, apply or delete internal snapshots";
    }

    @Override
    public String usage() {
        return "usage: image:snapshot (-l | -c NAME | -a NAME | -d NAME) [-f FMT] [-U] [-q] FILE\n"
                + "  -l       list the snapshots\n"
                + "  -c NAME  create a snapshot of the current content\n"
                + "  -a NAME  revert the image to the snapshot (name or id)\n"
                + "  -d NAME  delete the snapshot (name or id)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().flag('l', "list").value('c', "create").value('a', "apply").value('d', "delete")
                .parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        int actions = (o.has("list") ? 1 : 0) + (o.has("create") ? 1 : 0) + (o.has("apply") ? 1 : 0)
                + (o.has("delete") ? 1 : 0);
        if (actions != 1) {
            throw new UsageException("Cannot mix '-l', '-a', '-c', '-d'; give exactly one");
        }
        boolean list = o.has("list");
        try (FormatAccess image = images.opener().open(file,
                request(inv, o, "format", !list).withOpenBacking(false))) {
            if (list) {
                List<SnapshotInfo> snaps = image.image().snapshots();
                if (!snaps.isEmpty()) {
                    inv.out.print("Snapshot list:\n" + SnapshotTable.format(snaps));
                }
            } else if (o.has("create")) {
                perform(() -> image.image().createSnapshot(o.get("create")), "create", o.get("create"));
            } else if (o.has("apply")) {
                perform(() -> image.image().applySnapshot(o.get("apply")), "apply", o.get("apply"));
            } else {
                perform(() -> image.image().deleteSnapshot(o.get("delete")), "delete", o.get("delete"));
            }
            image.flush();
        }
        return 0;
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

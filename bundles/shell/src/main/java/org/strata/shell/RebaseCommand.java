package org.strata.shell;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;
import org.strata.core.image.ImageLocation;
import org.strata.core.image.OpenRequest;
import org.strata.core.ops.Rebase;

/**
 * {@code image:rebase} (qemu-img rebase) and {@code image:stream} (pull the backing chain's data into the image,
 * down to an optional base): both change the backing file, the second keeping the guest's content by design.
 */
final class RebaseCommand extends ImageCommand {

    private final OperationRunner runner;
    private final boolean stream;

    RebaseCommand(ImageService images, OperationRunner runner, boolean stream) {
        super(images);
        this.runner = runner;
        this.stream = stream;
    }

    @Override
    public String name() {
        return stream ? "image:stream" : "image:rebase";
    }

    @Override
    public String summary() {
        return stream ? "pull backing data into an image, down to a base (or all of it)"
                : "change an image's backing file";
    }

    @Override
    public String usage() {
        return stream
                ? "usage: image:stream [-f FMT] [-b BASE [-F BASE_FMT]] [-p] [-q] [--job] FILE\n"
                        + "  copies into FILE what its backing chain holds above BASE, then makes BASE its backing\n"
                        + "  file (without -b: all of it, and FILE becomes standalone)"
                : "usage: image:rebase [-f FMT] [-u] -b BACKING [-F BACKING_FMT] [-p] [-q] [--job] FILE\n"
                        + "  -b BACKING  the new backing file, relative to FILE's directory; \"\" for none\n"
                        + "  -u          unsafe: only change the name (the content may change)\n"
                        + "  without -u, what differs between the old and new backing is copied into FILE first";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('b', "backing").value('F', "backing-format").flag('u', "unsafe")
                .flag('p', "progress").flag((char) 0, "job").parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        if (!stream && !o.has("backing")) {
            throw new UsageException("Must specify backing file (-b)");
        }
        String backing = o.get("backing");
        if (backing != null && backing.isEmpty()) {
            backing = null;
        }
        boolean safe = stream || !o.has("unsafe");
        OpenRequest request = request(inv, o, "format", true).withOpenBacking(safe);
        List<Closeable> opened = new ArrayList<>();
        try {
            FormatAccess image = images.opener().open(file, request);
            opened.add(image);
            String backingFormat = o.get("backing-format");
            FormatAccess newBacking = null;
            if (backing != null && (safe || backingFormat == null)) {
                // the new backing name is relative to the image's directory, as it will be recorded
                String loc = ImageLocation.parse(file, inv.cwd).storage();
                Path dir = ImageLocation.isUrl(loc) ? inv.cwd : Path.of(loc).getParent();
                newBacking = images.opener().open(backing, request.withWritable(false).withOpenBacking(true)
                        .withFormat(backingFormat).withForceShare(false).withExtraRoots(request.extraRoots())
                        .withCwd(dir));
                opened.add(0, newBacking);
                backingFormat = newBacking.formatName();
            }
            List<Closeable> resources = List.copyOf(opened);
            opened.clear();
            String what = file + " -> " + (backing == null ? "(none)" : backing);
            runner.run(inv, o, stream ? "stream" : "rebase", what,
                    new Rebase(image, newBacking, backing, backingFormat, safe), resources);
        } finally {
            for (Closeable c : opened) {
                c.close();
            }
        }
        return 0;
    }
}

package org.strata.shell;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;
import org.strata.core.image.OpenRequest;
import org.strata.core.ops.Commit;

/** {@code image:commit}: qemu-img commit. */
final class CommitCommand extends ImageCommand {

    private final OperationRunner runner;

    CommitCommand(ImageService images, OperationRunner runner) {
        super(images);
        this.runner = runner;
    }

    @Override
    public String name() {
        return "image:commit";
    }

    @Override
    public String summary() {
        return "write an image's data into its backing file";
    }

    @Override
    public String usage() {
        return "usage: image:commit [-f FMT] [-b BASE] [-d] [-p] [-q] [--job] FILE\n"
                + "  -b BASE  commit into this image further down the chain (default: the direct backing file);\n"
                + "           the images in between hold the same data afterwards as before\n"
                + "  -d       keep the top image's data (without -b it is emptied otherwise)\n"
                + "  -p       show progress;  --job  run in the daemon's background";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('b', "base").flag('d', "drop").flag('p', "progress").flag((char) 0, "job")
                .parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        OpenRequest request = request(inv, o, "format", false);
        Chain chain = Chain.of(images.opener(), file, request);
        if (chain.layers().size() < 2) {
            throw new CommandFailure("Image '" + file + "' does not have a backing file", 1);
        }
        int base = o.has("base") ? chain.indexOf(o.get("base"), inv.cwd) : 1;
        boolean emptyTop = !o.has("base") && !o.has("drop");
        List<Closeable> opened = new ArrayList<>();
        try {
            List<FormatAccess> layers = new ArrayList<>();
            for (int i = 0; i < base; i++) {
                Chain.Layer l = chain.layers().get(i);
                FormatAccess a = images.opener().open(l.location(),
                        request.withFormat(l.format()).withOpenBacking(false).withWritable(i == 0 && emptyTop));
                opened.add(a);
                layers.add(a);
            }
            Chain.Layer b = chain.layers().get(base);
            FormatAccess baseImage = images.opener().open(b.location(), request.withFormat(b.format()).withWritable(true));
            opened.add(baseImage);
            List<Closeable> resources = List.copyOf(opened);
            opened.clear();
            if (runner.run(inv, o, "commit", file + " -> " + b.location(), new Commit(layers, baseImage, emptyTop),
                    resources) && !o.has("quiet")) {
                inv.out.println("Image committed.");
            }
        } finally {
            for (Closeable c : opened) {
                c.close();
            }
        }
        return 0;
    }
}

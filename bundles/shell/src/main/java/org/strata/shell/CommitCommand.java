package org.strata.shell;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.OpenRequest;
import org.strata.core.ops.Commit;
import org.strata.core.ops.Operation;
import org.strata.core.ops.RateLimit;

/** {@code image:commit}: qemu-img commit. */
final class CommitCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:commit", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('t', "cache", "CACHE", "the cache mode of the images written: writeback (default), writethrough,"
                    + " none, directsync, unsafe")
            .value('b', "base", "BASE", "commit into this image further down the chain (default: the direct backing"
                    + " file); BASE is named relative to the image that records it; the images in between are left"
                    + " as they are (so they now read the base's new data)")
            .flag('d', "drop", "keep the top image's data (without -b it is emptied otherwise; -b implies -d)")
            .value('r', "rate-limit", "RATE", "copy at most RATE bytes per second")
            .flag('p', "progress", "show progress")
            .flag((char) 0, "job", "run in the daemon's background (see job:list)"));

    private final OperationRunner runner;

    CommitCommand(ImageService images, OperationRunner runner) {
        super(images);
        this.runner = runner;
    }

    @Override
    public String summary() {
        return "write an image's data into its backing file";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        long rate = rateLimit(o);
        OpenRequest request = request(inv, o, "format", false).build();
        Chain chain = Chain.of(images.opener(), file, request);
        // as qemu-img, which opens the top for writing before it looks for a backing file
        warnIfProbedRaw(inv, file, request, chain.layers().get(0).format());
        if (chain.layers().size() < 2) {
            throw new CommandFailure("Image does not have a backing file", 1);
        }
        int base = o.has("base") ? chain.indexOf(o.get("base")) : 1;
        // as qemu-img: only a commit into the direct backing file without -d empties the top
        boolean emptyTop = !o.has("base") && !o.has("drop");
        List<Closeable> opened = new ArrayList<>();
        try {
            List<FormatAccess> layers = new ArrayList<>();
            for (int i = 0; i < base; i++) {
                FormatAccess a = open(inv, chain.layers().get(i).location(),
                        chain.layerRequest(i).openBacking(false).writable(i == 0 && emptyTop).build());
                opened.add(a);
                layers.add(a);
            }
            FormatAccess baseImage = open(inv, chain.layers().get(base).location(),
                    chain.layerRequest(base).writable(true).build());
            opened.add(baseImage);
            List<Closeable> resources = List.copyOf(opened);
            opened.clear();
            Operation commit = RateLimit.of(new Commit(layers, baseImage, emptyTop), rate);
            if (runner.run(inv, o, "commit", file + " -> " + chain.layers().get(base).location(), commit, resources)
                    && !o.has("quiet")) {
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

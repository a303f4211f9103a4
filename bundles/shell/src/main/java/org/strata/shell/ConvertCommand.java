package org.strata.shell;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;
import org.strata.core.ops.Convert;

/** {@code image:convert}: qemu-img convert. */
final class ConvertCommand extends ImageCommand {

    private final OperationRunner runner;

    ConvertCommand(ImageService images, OperationRunner runner) {
        super(images);
        this.runner = runner;
    }

    @Override
    public String name() {
        return "image:convert";
    }

    @Override
    public String summary() {
        return "copy an image into another, in any format";
    }

    @Override
    public String usage() {
        return "usage: image:convert [-f FMT] -O OUT_FMT [-o OPTS] [-c] [-p] [-S SPARSE] [-n] [-B BACKING [-F FMT]]\n"
                + "                     [-m N] [-W] [-U] [-t CACHE] [-T SRC_CACHE] [--target-is-zero] [--job] [-q]\n"
                + "                     SRC DST\n"
                + "  -O OUT_FMT   the target format             -o OPTS   its creation options\n"
                + "  -c           compress the target           -p        show progress\n"
                + "  -S SPARSE    zero runs of this size become holes (default 4k; 0: write everything)\n"
                + "  -n           the target exists: do not create it\n"
                + "  -B BACKING   the target gets this backing file; only what differs from it is written\n"
                + "  -m N         N parallel workers (1 to 16)  -W        allow out-of-order writes\n"
                + "  --job        run in the daemon's background (see job:list)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('O', "output-format").value('o', "options").flag('c', "compress")
                .flag('p', "progress").value('S', "sparse").flag('n', "no-create").value('B', "backing")
                .value('F', "backing-format").value('m', "workers").flag('W', "out-of-order")
                .value('T', "source-cache").flag((char) 0, "target-is-zero").flag((char) 0, "job").parse(inv.args);
        List<String> files = o.operands(2, 2, "source and target file names");
        String outFormat = o.get("output-format", "raw");
        int sparse = (int) Sizes.parse(o.get("sparse", "4k"), "sparse size");
        int workers = Integer.parseInt(o.get("workers", "8"));
        if (workers < 1 || workers > 16) {
            throw new UsageException("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
        }
        boolean create = !o.has("no-create");
        String backing = o.get("backing");
        if (backing != null && o.get("backing-format") == null) {
            throw new CommandFailure(files.get(1) + ": Backing file specified without backing format", 1);
        }
        List<Closeable> opened = new ArrayList<>();
        try {
            String srcCache = o.get("source-cache", "writeback");
            FormatAccess src = images.opener().open(files.get(0), request(inv, o, "format", false)
                    .withDirect(srcCache.equals("none") || srcCache.equals("directsync")));
            opened.add(src);
            if (create) {
                Map<String, String> opts = new LinkedHashMap<>(CreateOptions.parse(o.all("options")));
                images.opener().create(files.get(1), outFormat,
                        new CreateRequest(src.size(), opts, backing, o.get("backing-format"), true), inv.openRequest(o));
            }
            FormatAccess dst = images.opener().open(files.get(1),
                    request(inv, o, "output-format", true).withForceShare(false));
            opened.add(0, dst);
            if (dst.size() < src.size()) {
                throw new CommandFailure("The target is smaller than the source (" + dst.size() + " < " + src.size()
                        + " bytes)", 1);
            }
            Convert convert = new Convert(src, dst, new Convert.Settings(sparse, o.has("compress"),
                    create || o.has("target-is-zero"), workers));
            List<Closeable> resources = List.copyOf(opened);
            opened.clear();
            runner.run(inv, o, "convert", files.get(0) + " -> " + files.get(1), convert, resources);
        } finally {
            for (Closeable c : opened) {
                c.close();
            }
        }
        return 0;
    }
}

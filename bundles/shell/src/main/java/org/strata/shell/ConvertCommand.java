package org.strata.shell;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CacheMode;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.CreatedImage;
import org.strata.core.image.Errors;
import org.strata.core.image.OpenRequest;
import org.strata.core.ops.Convert;
import org.strata.core.ops.RateLimit;

/**
 * {@code image:convert}: qemu-img convert, of one source or of several joined end to end, of an image's current
 * state or of one of its internal snapshots ({@code -l}).
 */
final class ConvertCommand extends ImageCommand {

    /** qemu-img's largest sparse size: 16 MiB. */
    private static final long MAX_SPARSE = 16L << 20;

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:convert",
            "SRC [SRC...] DST")
            .value('f', "format", "FMT", "the source's format (probed when not given)")
            .value('O', "output-format", "OUT_FMT", "the target format (default raw)")
            .value('l', "snapshot", "SNAPSHOT", "copy this internal snapshot of the source instead of its current"
                    + " state: its id or else its name, or snapshot.id=ID and/or snapshot.name=NAME (comma-separated,"
                    + " both must match)")
            .value('o', "options", "OPTS", "the target's creation options (-o help lists them)").repeatable()
            .flag('c', "compress", "compress the target")
            .flag('p', "progress", "show progress")
            .value('S', "sparse", "SPARSE", "zero runs in data of this size (a multiple of 512, default 4k) are not"
                    + " written; 0: write everything, fully allocating the target")
            .flag('n', "no-create", "the target exists: do not create it")
            .value('B', "backing", "BACKING", "the target gets this backing file (-F its format); everything in"
                    + " which the source differs from it is written, so the target reads as the source even where the"
                    + " source's own backing file is another (qemu-img writes only the source's top layers there)")
            .value('F', "backing-format", "FMT", "the format of -B's backing file")
            .value('m', "workers", "N", "N parallel workers (1 to 16, default 8)")
            .flag('W', "out-of-order", "allow out-of-order writes")
            .flag('C', "copy-offload", "let the storages copy data (copy_file_range between local files): zero runs"
                    + " inside data are then written too")
            .value('r', "rate-limit", "RATE", "copy at most RATE bytes per second")
            .value('t', "cache", "CACHE", "the cache mode of the target (default unsafe)")
            .value('T', "source-cache", "SRC_CACHE", "the cache mode of the source (default writeback)")
            .flag('U', FORCE_SHARE, "open the source without taking locks (it may be in use)")
            .flag((char) 0, "target-is-zero", "with -n: the existing target reads as zeroes, so zeroes need no"
                    + " writing")
            .flag((char) 0, "job", "run in the daemon's background (see job:list)")
            .note("Several sources are joined end to end into one target, whose size is the sum of theirs; -f names"
                    + " the format of each. Neither -B nor a bare -l SNAPSHOT takes several sources; -l snapshot.id=..."
                    + " reads the first source's snapshot, as qemu-img does."));

    private final OperationRunner runner;

    ConvertCommand(ImageService images, OperationRunner runner) {
        super(images);
        this.runner = runner;
    }

    @Override
    public String summary() {
        return "copy an image into another, in any format";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        List<String> files = o.operands();
        if (files.size() < 2) {
            throw new CommandFailure("Must specify image file name", 1);
        }
        SnapshotChoice snapshot = o.has("snapshot") ? SnapshotChoice.parse(o.get("snapshot"), inv.err, name()) : null;
        List<String> sourceNames = files.subList(0, files.size() - 1);
        String targetName = files.get(files.size() - 1);
        long sparse = size(o.get("sparse", "4k"), "buffer size for sparse output");
        if (sparse % 512 != 0 || sparse > MAX_SPARSE) {
            throw new CommandFailure("Invalid buffer size for sparse output specified. Valid sizes are multiples of"
                    + " 512 up to " + MAX_SPARSE + ". Select 0 to disable sparse detection (fully allocates output).",
                    1);
        }
        int workers = parseWorkers(o.get("workers", "8"));
        long rate = rateLimit(o);
        // checked as qemu-img checks them, after every option was read
        boolean copyOffload = o.has("copy-offload");
        if (copyOffload && o.has("compress")) {
            throw new CommandFailure("Cannot enable copy offloading when -c is used", 1);
        }
        if (copyOffload && o.has("sparse")) {
            throw new CommandFailure("Cannot enable copy offloading when -S is used", 1);
        }
        boolean create = !o.has("no-create");
        boolean targetIsZero = o.has("target-is-zero");
        if (targetIsZero && create) {
            throw new CommandFailure("--target-is-zero requires use of -n flag", 1);
        }
        if (!create && !o.all("options").isEmpty()) {
            throw new CommandFailure("-o has no effect when skipping image creation", 1);
        }
        // as qemu-img convert: the target is written with cache=unsafe unless -t says otherwise; both modes are
        // checked before anything is created
        CacheMode targetCache = cacheMode(o, CacheMode.UNSAFE);
        CacheMode sourceCache = sourceCacheMode(o);
        List<Closeable> opened = new ArrayList<>();
        try {
            List<FormatAccess> sources = openSources(inv, o, sourceNames, snapshot, sourceCache, opened);
            long size = 0;
            for (FormatAccess src : sources) {
                size += src.size();
            }
            FormatDriver driver = formatDriver(o.get("output-format", "raw"));
            Map<String, String> options = checkTarget(o, driver, create, sources.size());
            TargetImage target = new TargetImage(create ? createTarget(inv, o, targetName, driver, options, size)
                    : null);
            opened.add(0, target);
            FormatAccess dst = target.open(open(inv, targetName, targetRequest(inv, o, "output-format", targetCache)));
            if (dst.size() < size) {
                throw new CommandFailure("output file is smaller than input file", 1);
            }
            if (targetIsZero && dst.backing() != null) {
                throw new CommandFailure("Cannot use --target-is-zero when the destination image has a backing file",
                        1);
            }
            // a new image without backing file reads as zeroes, as does one the caller vouches for; -S 0 allocates
            // the whole target, zeroes too
            boolean zeroTarget = sparse != 0 && (create || targetIsZero) && dst.backing() == null;
            Convert.Settings settings = new Convert.Settings((int) sparse, o.has("compress"), zeroTarget, workers,
                    o.has("out-of-order"), copyOffload);
            Convert convert = new Convert(sources, dst, settings);
            List<Closeable> resources = List.copyOf(opened);
            opened.clear();
            runner.run(inv, o, "convert", String.join(" + ", sourceNames) + " -> " + targetName,
                    target.completing(RateLimit.of(convert, rate)), resources);
        } catch (Exception e) {
            for (Closeable c : opened) {
                try {
                    c.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
        return 0;
    }

    /**
     * Opens the sources, each added to {@code opened} once open, and makes the first show -l's snapshot (when given),
     * in qemu-img's order. -U shares the sources, which are only read; the target is never opened with it.
     */
    private List<FormatAccess> openSources(Invocation inv, Options o, List<String> names, SnapshotChoice snapshot,
                                           CacheMode cache, List<Closeable> opened)
            throws IOException, CommandFailure {
        List<FormatAccess> sources = new ArrayList<>();
        for (String name : names) {
            FormatAccess src = images.opener().open(name, request(inv, o, "format", false, cache).build());
            opened.add(src);
            sources.add(src);
        }
        if (snapshot != null) {
            if (snapshot.bare() && sources.size() > 1) {
                throw new CommandFailure("No support for concatenating multiple snapshot", 1);
            }
            snapshot.load(sources.get(0));
        }
        return sources;
    }

    /** Checks what the target of {@code sources} images is asked to be, in qemu-img's order; returns its options. */
    private static Map<String, String> checkTarget(Options o, FormatDriver driver, boolean create, int sources)
            throws CommandFailure {
        Map<String, String> options = new LinkedHashMap<>(CreateOptions.parse(o.all("options")));
        String backing = o.get("backing");
        String backingFormat = o.get("backing-format");
        if (create) {
            CreateOptions.check(options, driver.createOptions());
            CreateOptions.checkBacking(driver, backing, backingFormat);
        }
        if (sources > 1 && (backing != null || options.containsKey("backing_file"))) {
            throw new CommandFailure("Having a backing file for the target makes no sense when concatenating"
                    + " multiple input images", 1);
        }
        if (backing != null && backingFormat == null) {
            throw new CommandFailure("Use of backing file requires explicit backing format", 1);
        }
        if (o.has("compress") && driver.createOptions().stream().noneMatch(c -> c.name().equals("compression_type"))) {
            throw new CommandFailure("Compression not supported for this file format", 1);
        }
        return options;
    }

    /** Creates the target; what goes wrong while the driver formats it is reported as qemu-img reports it. */
    private CreatedImage createTarget(Invocation inv, Options o, String file, FormatDriver driver,
                                      Map<String, String> options, long size) throws CommandFailure {
        OpenRequest where = baseRequest(inv, o).build();
        options.remove("size"); // as in qemu-img, the target has the source's size, whatever -o says
        CreateRequest request = new CreateRequest(size, options, o.get("backing"), o.get("backing-format"), true);
        try {
            return images.opener().create(file, driver.name(), request, where);
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandFailure(file + ": error while converting " + driver.name() + ": " + Errors.oneLine(e), 1,
                    e);
        }
    }

    private static int parseWorkers(String s) throws CommandFailure {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= 16) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandFailure("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16", 1);
    }
}

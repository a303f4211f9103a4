package org.strata.shell;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.api.StoragePath;
import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;
import org.strata.core.image.ImageLocation;
import org.strata.core.image.OpenRequest;
import org.strata.core.ops.RateLimit;
import org.strata.core.ops.Rebase;

/**
 * {@code image:rebase} (qemu-img rebase) and {@code image:stream} (pull the backing chain's data into the image,
 * down to an optional base): both change the backing file, the second keeping the guest's content by design.
 */
final class RebaseCommand extends ImageCommand {

    private static final Options.Spec REBASE = withSharedOptions(new Options.Spec("image:rebase", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('t', "cache", "CACHE", "the cache mode of FILE: writeback (default), writethrough, none,"
                    + " directsync, unsafe")
            .value('T', "source-cache", "SRC_CACHE", "the cache mode of the new backing file (default writeback)")
            .flag('u', "unsafe", "only change the name (the content may change); without -b, none")
            .value('b', "backing", "BACKING", "the new backing file, relative to FILE's directory; \"\" for none")
            .value('F', "backing-format", "BACKING_FMT", "its format (required with a backing file, as it is"
                    + " recorded)")
            .value('r', "rate-limit", "RATE", "copy at most RATE bytes per second")
            .flag('p', "progress", "show progress")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .flag((char) 0, "job", "run in the daemon's background (see job:list)")
            .note("Without -u, the sectors where the old and new backing files differ are copied into FILE first."));
    private static final Options.Spec STREAM = withSharedOptions(new Options.Spec("image:stream", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('t', "cache", "CACHE", "the cache mode of FILE, as for image:rebase")
            .value('T', "source-cache", "SRC_CACHE", "the cache mode of BASE, as for image:rebase")
            .value('b', "backing", "BASE", "the image to keep as backing file (default: none)")
            .value('F', "backing-format", "BASE_FMT", "its format (default: the chain's, when BASE is in it)")
            .value('r', "rate-limit", "RATE", "copy at most RATE bytes per second")
            .flag('p', "progress", "show progress")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .flag((char) 0, "job", "run in the daemon's background (see job:list)")
            .note("Copies into FILE what its backing chain holds above BASE, then makes BASE its backing file"
                    + " (without -b: all of it, and FILE becomes standalone); BASE is named as it is to be recorded,"
                    + " relative to FILE's directory."));

    private final OperationRunner runner;
    private final boolean stream;

    RebaseCommand(ImageService images, OperationRunner runner, boolean stream) {
        super(images);
        this.runner = runner;
        this.stream = stream;
    }

    @Override
    public String summary() {
        return stream ? "pull backing data into an image, down to a base (or all of it)"
                : "change an image's backing file";
    }

    @Override
    public Options.Spec options() {
        return stream ? STREAM : REBASE;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = options().parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        boolean safe = stream || !o.has("unsafe");
        if (safe && !stream && !o.has("backing")) {
            throw new UsageException("Must specify backing file (-b) or use unsafe mode (-u)");
        }
        long rate = rateLimit(o);
        String backing = o.get("backing");
        if (backing != null && backing.isEmpty()) {
            backing = null;
        }
        OpenRequest request = request(inv, o, "format", true).openBacking(safe).build();
        CacheMode backingCache = sourceCacheMode(o);
        String backingFormat = backing == null ? null : o.get("backing-format");
        List<Closeable> opened = new ArrayList<>();
        try {
            FormatAccess image = open(inv, file, request);
            opened.add(image);
            FormatAccess newBacking = null;
            if (backing != null && backingFormat == null && stream) {
                backingFormat = formatInChain(image, ImageLocation.parse(backing, directoryOf(inv, file)).storage());
            }
            if (backing != null && safe) {
                newBacking = openNewBacking(inv, file, backing, backingFormat, request.toBuilder().cache(backingCache).build());
                opened.add(0, newBacking);
            }
            if (backing != null && backingFormat == null) {
                throw new CommandFailure("Could not change the backing file to '" + backing
                        + "': backing format must be specified", 1);
            }
            List<Closeable> resources = List.copyOf(opened);
            opened.clear();
            String what = file + " -> " + (backing == null ? "(none)" : backing);
            runner.run(inv, o, stream ? "stream" : "rebase", what,
                    RateLimit.of(new Rebase(image, newBacking, backing, backingFormat, safe), rate), resources);
        } finally {
            for (Closeable c : opened) {
                c.close();
            }
        }
        return 0;
    }

    /**
     * Opens the new backing file read-only with its chain: the name is relative to the image's directory (as it
     * will be recorded), and the image's directory stays an allowed root for what it names.
     */
    private FormatAccess openNewBacking(Invocation inv, String file, String backing, String format,
                                        OpenRequest request) throws CommandFailure {
        try {
            List<StoragePath> roots = new ArrayList<>(request.extraRoots());
            roots.add(images.opener().directoryOf(ImageLocation.parse(file, inv.cwd).storage()));
            return images.opener().open(backing, request.toBuilder().writable(false).openBacking(true).format(format)
                    .forceShare(false).extraRoots(roots).cwd(directoryOf(inv, file)).build());
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure("Could not open new backing file '" + backing + "': " + Errors.oneLine(e), 1,
                    e);
        }
    }

    /** The directory names recorded in {@code file} are relative to. */
    private static Path directoryOf(Invocation inv, String file) {
        String loc = ImageLocation.parse(file, inv.cwd).storage();
        return ImageLocation.isUrl(loc) ? inv.cwd : Path.of(loc).getParent();
    }

    /** The format of the layer of {@code image}'s backing chain stored at {@code location}, or null. */
    private static String formatInChain(FormatAccess image, String location) throws IOException {
        for (FormatAccess a = image.backing(); a != null; a = a.backing()) {
            String layer = a.storages().get(0).location();
            if (layer.equals(location) || !ImageLocation.isUrl(layer) && !ImageLocation.isUrl(location)
                    && Files.exists(Path.of(location)) && Files.isSameFile(Path.of(layer), Path.of(location))) {
                return a.formatName();
            }
        }
        return null;
    }
}

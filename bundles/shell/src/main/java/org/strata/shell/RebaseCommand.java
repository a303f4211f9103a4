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
    public String usage() {
        return stream
                ? "usage: image:stream [-f FMT] [-t CACHE] [-T SRC_CACHE] [-b BASE [-F BASE_FMT]] [-r RATE] [-p] [-q]\n"
                        + "                    [--job] FILE\n"
                        + "  copies into FILE what its backing chain holds above BASE, then makes BASE its backing\n"
                        + "  file (without -b: all of it, and FILE becomes standalone); BASE is named as it is to be\n"
                        + "  recorded, relative to FILE's directory; its format is the chain's when BASE is in it\n"
                        + "  -t CACHE, -T CACHE  the cache modes of FILE and of BASE, as for image:rebase"
                : "usage: image:rebase [-f FMT] [-t CACHE] [-T SRC_CACHE] [-u] [-b BACKING] [-F BACKING_FMT] [-r RATE]\n"
                        + "                    [-p] [-q] [--job] FILE\n"
                        + "  -b BACKING  the new backing file, relative to FILE's directory; \"\" for none\n"
                        + "  -F FMT      its format (required with a backing file, as it is recorded)\n"
                        + "  -u          unsafe: only change the name (the content may change); without -b, none\n"
                        + "  without -u, the sectors where the old and new backing differ are copied into FILE first\n"
                        + "  -t CACHE    cache mode of FILE: writeback (default), writethrough, none, directsync, unsafe\n"
                        + "  -T CACHE    cache mode of the new backing file (default writeback)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().flag('U', FORCE_SHARE).value('t', "cache").value('T', "source-cache")
                .value('b', "backing").value('F', "backing-format").flag('u', "unsafe")
                .flag('p', "progress").value('r', "rate-limit").flag((char) 0, "job").parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        boolean safe = stream || !o.has("unsafe");
        if (safe && !stream && !o.has("backing")) {
            throw new UsageException("Must specify backing file (-b) or use unsafe mode (-u)");
        }
        long rate = o.has("rate-limit") ? Sizes.parse(o.get("rate-limit"), "rate limit") : 0;
        String backing = o.get("backing");
        if (backing != null && backing.isEmpty()) {
            backing = null;
        }
        OpenRequest request = request(inv, o, "format", true).openBacking(safe).build();
        CacheMode backingCache = sourceCacheMode(o);
        String backingFormat = backing == null ? null : o.get("backing-format");
        List<Closeable> opened = new ArrayList<>();
        try {
            FormatAccess image = open(file, request);
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

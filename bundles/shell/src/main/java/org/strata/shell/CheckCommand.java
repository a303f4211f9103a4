package org.strata.shell;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.RepairMode;
import org.strata.api.UnsupportedFeatureException;
import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;
import org.strata.core.image.OpenRequest;

/** {@code image:check}: qemu-img check. Exit 0 clean, 2 corruptions, 3 leaks only, 1 check could not complete. */
final class CheckCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:check", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('T', "source-cache", "SRC_CACHE", "the cache mode of the image checked (default writeback)")
            .value('r', "repair", "leaks|all", "repair leaked clusters (leaks), or corruptions too (all)")
            .value((char) 0, "output", "human|json", "human (default) or json, with qemu-img's keys")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .note("exit status: 0 clean, 2 corruptions, 3 leaks only, 1 the check could not complete, 63 the"
                    + " format cannot be checked"));

    CheckCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "check an image's metadata for corruptions and leaks, and repair them";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        boolean json = o.json();
        RepairMode mode = switch (o.get("repair", "none")) {
            case "none" -> RepairMode.NONE;
            case "leaks" -> RepairMode.LEAKS;
            case "all" -> RepairMode.ALL;
            default -> throw new UsageException("Unknown option value for -r (expecting 'leaks' or 'all'): "
                    + o.get("repair"));
        };
        boolean quiet = o.has("quiet");
        CheckResult result;
        CheckResult fixed = null;
        String format;
        // a repair opens even an image marked corrupt (the driver lets only a repair write to it)
        FormatAccess opened;
        OpenRequest request = request(inv, o, "format", mode != RepairMode.NONE, sourceCacheMode(o)).build();
        try {
            opened = images.opener().open(file, request);
        } catch (IOException e) {
            // as qemu-img: an image that does not open is not a failed check
            throw new CommandFailure(Errors.oneLine(e), 1, e);
        }
        if (request.writable()) {
            warnIfProbedRaw(inv, file, request, opened.formatName());
        }
        try (FormatAccess image = opened) {
            format = image.formatName();
            if (mode == RepairMode.NONE) {
                result = image.check(mode);
                printMessages(inv, result);
            } else {
                // as qemu-img: first what is wrong, then what is repaired
                CheckResult found = image.check(RepairMode.NONE);
                printMessages(inv, found);
                result = image.check(mode);
                for (String m : result.messages()) {
                    if (!found.messages().contains(m)) {
                        inv.err.println(m);
                    }
                }
            }
            if (mode != RepairMode.NONE && (result.leaksFixed() > 0 || result.corruptionsFixed() > 0)) {
                fixed = result;
                image.flush();
                result = image.check(RepairMode.NONE);
                printMessages(inv, result);
            }
        } catch (UnsupportedFeatureException e) {
            throw new CommandFailure(e.getMessage(), 63, e);
        } catch (IOException e) {
            throw new CommandFailure("Check failed: " + Errors.oneLine(e), 1, e);
        }
        if (json) {
            inv.out.println(QemuJson.pretty(json(file, format, result, fixed)));
        } else if (!quiet) {
            inv.out.print(human(result, fixed));
        }
        if (result.checkErrors() > 0) {
            return 1;
        }
        if (result.corruptions() > 0) {
            return 2;
        }
        return result.leaks() > 0 ? 3 : 0;
    }

    private static void printMessages(Invocation inv, CheckResult r) {
        for (String m : r.messages()) {
            inv.err.println(m);
        }
    }

    static Map<String, Object> json(String file, String format, CheckResult r, CheckResult fixed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", file);
        m.put("format", format);
        m.put("check-errors", r.checkErrors());
        putNonZero(m, "image-end-offset", r.imageEndOffset());
        putNonZero(m, "corruptions", r.corruptions());
        putNonZero(m, "leaks", r.leaks());
        putNonZero(m, "corruptions-fixed", fixed == null ? 0 : fixed.corruptionsFixed());
        putNonZero(m, "leaks-fixed", fixed == null ? 0 : fixed.leaksFixed());
        putNonZero(m, "total-clusters", r.totalClusters());
        putNonZero(m, "allocated-clusters", r.allocatedClusters());
        putNonZero(m, "fragmented-clusters", r.fragmentedClusters());
        putNonZero(m, "compressed-clusters", r.compressedClusters());
        return m;
    }

    private static void putNonZero(Map<String, Object> m, String key, long v) {
        if (v != 0) {
            m.put(key, v);
        }
    }

    static String human(CheckResult r, CheckResult fixed) {
        StringBuilder sb = new StringBuilder();
        if (fixed != null) {
            sb.append(String.format("The following inconsistencies were found and repaired:%n%n"
                    + "    %d leaked clusters%n    %d corruptions%n%nDouble checking the fixed image now...%n",
                    fixed.leaksFixed(), fixed.corruptionsFixed()));
        }
        if (r.corruptions() == 0 && r.leaks() == 0 && r.checkErrors() == 0) {
            sb.append("No errors were found on the image.\n");
        } else {
            if (r.corruptions() > 0) {
                sb.append(String.format("%n%d errors were found on the image.%nData may be corrupted, or further"
                        + " writes to the image may corrupt it.%n", r.corruptions()));
            }
            if (r.leaks() > 0) {
                sb.append(String.format("%n%d leaked clusters were found on the image.%nThis means waste of disk"
                        + " space, but no harm to data.%n", r.leaks()));
            }
            if (r.checkErrors() > 0) {
                sb.append(String.format("%n%d internal errors have occurred during the check.%n", r.checkErrors()));
            }
        }
        if (r.totalClusters() != 0 && r.allocatedClusters() != 0) {
            sb.append(String.format("%d/%d = %s%% allocated, %s%% fragmented, %s%% compressed clusters%n",
                    r.allocatedClusters(), r.totalClusters(),
                    CFormat.fixed(r.allocatedClusters() * 100.0 / r.totalClusters(), 2),
                    CFormat.fixed(r.fragmentedClusters() * 100.0 / r.allocatedClusters(), 2),
                    CFormat.fixed(r.compressedClusters() * 100.0 / r.allocatedClusters(), 2)));
        }
        if (r.imageEndOffset() != 0) {
            sb.append("Image end offset: ").append(r.imageEndOffset()).append('\n');
        }
        return sb.toString();
    }
}

package org.strata.format.vmdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.Sizes;

/**
 * qemu-img's vmdk creation options: parsing and validation with qemu-img's messages and in its order, and the
 * effective options as qemu-img prints them after {@code Formatting 'FILE', fmt=vmdk}.
 */
final class CreateOptions {

    /** As {@code -o help} lists them (alphabetically). */
    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("adapter_type", "str",
                    "Virtual adapter type, can be one of ide (default), lsilogic, buslogic or legacyESX", null),
            new CreateOption("backing_file", "str", "File name of a base image", null),
            new CreateOption("backing_fmt", "str", "Must be 'vmdk' if present", null),
            new CreateOption("compat6", "bool", "VMDK version 6 image", null),
            new CreateOption("hwversion", "str", "VMDK hardware version", null),
            new CreateOption("size", "size", "Virtual disk size", null),
            new CreateOption("subformat", "str", "VMDK flat extent format, can be one of {monolithicSparse (default)"
                    + " | monolithicFlat | twoGbMaxExtentSparse | twoGbMaxExtentFlat | streamOptimized} ", null),
            new CreateOption("toolsversion", "str", "VMware guest tools version", null),
            new CreateOption("zeroed_grain", "bool",
                    "Enable efficient zero writes using the zeroed-grain GTE feature", null));

    /** The order qemu-img prints the options in (its option list's order). */
    private static final List<String> PRINT_ORDER = List.of("size", "adapter_type", "backing_file", "backing_fmt",
            "compat6", "hwversion", "toolsversion", "subformat", "zeroed_grain");

    static final List<String> SUBFORMATS = List.of("monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse",
            "twoGbMaxExtentFlat", "streamOptimized");
    private static final List<String> ADAPTERS = List.of("ide", "buslogic", "lsilogic", "legacyESX");

    /** The virtual size as given (-1: the backing file's). */
    long size = -1;
    String adapterType = "ide";
    String backingFile;
    String backingFormat;
    String hwVersion = "4";
    String toolsVersion = "2147483647";
    String subformat = "monolithicSparse";
    boolean zeroedGrain;
    final Map<String, String> printed = new LinkedHashMap<>();

    boolean flat() {
        return subformat.equals("monolithicFlat") || subformat.equals("twoGbMaxExtentFlat");
    }

    boolean split() {
        return subformat.startsWith("twoGb");
    }

    boolean compressed() {
        return subformat.equals("streamOptimized");
    }

    /** Parses and checks the request (all but what needs the backing file), in qemu-img's order. */
    static CreateOptions parse(CreateRequest req) {
        Map<String, String> in = new LinkedHashMap<>(req.options());
        for (String key : in.keySet()) {
            if (OPTIONS.stream().noneMatch(c -> c.name().equals(key))) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        CreateOptions o = new CreateOptions();
        if (in.containsKey("size") && req.size() >= 0) {
            throw new IllegalArgumentException("The image size must be specified only once");
        }
        o.size = in.containsKey("size") ? Sizes.parseOption("size", in.get("size")) : req.size();
        o.backingFile = in.containsKey("backing_file") ? in.get("backing_file") : req.backingFile();
        if (o.backingFile != null && o.backingFile.isEmpty()) {
            o.backingFile = null;
        }
        o.backingFormat = in.containsKey("backing_fmt") ? in.get("backing_fmt") : req.backingFormat();
        boolean compat6 = parseBool(in, "compat6");
        o.zeroedGrain = parseBool(in, "zeroed_grain");
        o.print(in, compat6);
        if (o.backingFormat != null && !o.backingFormat.equals("vmdk")) {
            throw new IllegalArgumentException("backing_file must be a vmdk image");
        }
        if (in.containsKey("adapter_type")) {
            o.adapterType = enumValue(ADAPTERS, in.get("adapter_type"));
        }
        if (in.containsKey("subformat")) {
            o.subformat = enumValue(SUBFORMATS, in.get("subformat"));
        }
        String hw = in.get("hwversion");
        if (hw != null && hw.equals("undefined")) {
            hw = null;
        }
        if (compat6) {
            if (hw != null) {
                throw new IllegalArgumentException("compat6 cannot be enabled with hwversion set");
            }
            hw = "6";
        }
        if (hw != null) {
            o.hwVersion = hw;
        }
        o.toolsVersion = in.getOrDefault("toolsversion", o.toolsVersion);
        if (o.flat() && o.backingFile != null) {
            throw new IllegalArgumentException("Flat image can't have backing file");
        }
        if (o.flat() && o.zeroedGrain) {
            throw new IllegalArgumentException("Flat image can't enable zeroed grain");
        }
        return o;
    }

    /** What qemu-img prints: the options given, compat6 and hwversion always, in its list's order. */
    private void print(Map<String, String> in, boolean compat6) {
        Map<String, String> values = new LinkedHashMap<>(in);
        if (size >= 0) {
            values.put("size", Long.toString(size));
        }
        if (backingFile != null) {
            values.put("backing_file", backingFile);
        }
        if (backingFormat != null) {
            values.put("backing_fmt", backingFormat);
        }
        values.putIfAbsent("compat6", compat6 ? "on" : "off");
        values.putIfAbsent("hwversion", "undefined");
        for (String key : PRINT_ORDER) {
            if (values.containsKey(key)) {
                printed.put(key, values.get(key));
            }
        }
    }

    private static String enumValue(List<String> allowed, String value) {
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException("invalid parameter value: " + value);
        }
        return value;
    }

    private static boolean parseBool(Map<String, String> in, String key) {
        String v = in.get(key);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw new IllegalArgumentException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }
}

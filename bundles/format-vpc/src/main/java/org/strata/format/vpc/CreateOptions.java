package org.strata.format.vpc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;

/**
 * vpc's creation options with qemu-img's names, values and messages: subformat, force_size, and the file's
 * preallocation, which qemu accepts and does nothing with for vpc.
 */
record CreateOptions(boolean fixed, boolean forceSize) {

    /** As {@code qemu-img create -f vpc -o help} lists them. */
    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("force_size", "bool", "Force disk size calculation to use the actual size specified, "
                    + "rather than using the nearest CHS-based calculation", null),
            new CreateOption("size", "size", "Virtual disk size", null),
            new CreateOption("subformat", "str", "Type of virtual hard disk format. Supported formats are "
                    + "{dynamic (default) | fixed} ", null));

    /** The options qemu-img prints after {@code size=}, in its order. */
    private static final List<String> PRINTED = List.of("subformat", "force_size", "preallocation");
    private static final Set<String> TRUE = Set.of("on", "yes", "true", "y");
    private static final Set<String> FALSE = Set.of("off", "no", "false", "n");

    /**
     * The options of {@code request}.
     *
     * @throws IllegalArgumentException with qemu-img's message for an unknown option or value
     */
    static CreateOptions parse(CreateRequest request) {
        for (String name : request.options().keySet()) {
            if (!name.equals("size") && !PRINTED.contains(name)) {
                throw new IllegalArgumentException("Invalid parameter '" + name + "'");
            }
        }
        String subformat = request.option("subformat", "dynamic");
        if (!subformat.equals("dynamic") && !subformat.equals("fixed")) {
            throw new IllegalArgumentException("Parameter 'subformat' does not accept value '" + subformat + "'");
        }
        String force = request.option("force_size", "off");
        if (!TRUE.contains(force) && !FALSE.contains(force)) {
            throw new IllegalArgumentException("Parameter 'force_size' expects 'on' or 'off'");
        }
        String prealloc = request.option("preallocation", "off");
        if (prealloc.equals("metadata")) {
            throw new IllegalArgumentException("Unsupported preallocation mode: metadata");
        } else if (!Set.of("off", "falloc", "full").contains(prealloc)) {
            throw new IllegalArgumentException("invalid parameter value: " + prealloc);
        }
        return new CreateOptions(subformat.equals("fixed"), TRUE.contains(force));
    }

    /** What qemu-img prints after {@code Formatting 'FILE', fmt=vpc}: the size asked for and the options given. */
    static Map<String, String> printed(CreateRequest request) {
        Map<String, String> printed = new LinkedHashMap<>();
        printed.put("size", Long.toString(request.size()));
        for (String name : PRINTED) {
            String value = request.options().get(name);
            if (value != null) {
                printed.put(name, value);
            }
        }
        return printed;
    }
}

package org.strata.format.vdi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;

/**
 * qemu-img's vdi creation options: {@code static} (the size comes in the request, {@code -o size} included), and
 * the file protocol's {@code preallocation}, which qemu-img passes to the empty file it creates first, so it
 * changes nothing in a VDI; qemu-img's messages; and the effective options in the order qemu-img prints them
 * after {@code Formatting 'FILE', fmt=vdi}.
 */
record CreateOptions(long size, boolean isStatic, Map<String, String> printed) {

    /** As {@code qemu-img create -f vdi -o help} lists them (qemu shows no defaults). */
    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("size", "size", "Virtual disk size", null),
            new CreateOption("static", "bool", "VDI static (pre-allocated) image", null));

    static CreateOptions parse(CreateRequest request) {
        Map<String, String> in = request.options();
        for (String key : in.keySet()) {
            if (!key.equals("preallocation") && OPTIONS.stream().noneMatch(o -> o.name().equals(key))) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        if (request.backingFile() != null) {
            throw new IllegalArgumentException("Backing file not supported for file format 'vdi'");
        }
        long size = request.size();
        if (size < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        boolean isStatic = parseBool("static", in.getOrDefault("static", "off"));
        String prealloc = in.get("preallocation");
        if (prealloc != null) {
            switch (prealloc) {
                case "off", "falloc", "full" -> {
                    // the file's preallocation: the file is created empty, so there is nothing to allocate
                }
                case "metadata" -> throw new IllegalArgumentException("Unsupported preallocation mode: metadata");
                default -> throw new IllegalArgumentException("invalid parameter value: " + prealloc);
            }
        }
        long rounded = (size + Header.SECTOR_SIZE - 1) / Header.SECTOR_SIZE * Header.SECTOR_SIZE;
        if (rounded > Header.MAX_DISK_SIZE) {
            throw new IllegalArgumentException(String.format(
                    "Unsupported VDI image size (size is 0x%x, max supported is 0x%x)", rounded, Header.MAX_DISK_SIZE));
        }
        Map<String, String> printed = new LinkedHashMap<>();
        printed.put("size", Long.toString(size));
        printed.put("static", in.getOrDefault("static", "off"));
        if (prealloc != null) {
            printed.put("preallocation", prealloc);
        }
        return new CreateOptions(rounded, isStatic, printed);
    }

    /** QEMU's words for a boolean option. */
    private static boolean parseBool(String key, String value) {
        return switch (value) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new IllegalArgumentException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }
}

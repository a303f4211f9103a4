package org.strata.format.vhdx;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.Sizes;

/**
 * qemu-img's vhdx creation options, with its defaults, rounding (sizes to whole MiBs, the block size at most
 * 256 MiB), messages, and the effective options in the order qemu-img prints them.
 */
final class CreateOptions {

    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("block_size", "size",
                    "Block Size; min 1MB, max 256MB. 0 means auto-calculate based on image size.", null),
            new CreateOption("block_state_zero", "bool", "Force use of payload blocks of type 'ZERO'. Non-standard,"
                    + " but default.  Do not set to 'off' when using 'qemu-img convert' with subformat=dynamic.",
                    null),
            new CreateOption("log_size", "size", "Log size; min 1MB.", null),
            new CreateOption("size", "size", "Virtual disk size; max of 64TB.", null),
            new CreateOption("subformat", "str",
                    "VHDX format type, can be either 'dynamic' or 'fixed'. Default is 'dynamic'.", null));

    static final long DEFAULT_LOG_SIZE = Layout.MIB;

    final long size;
    final long logSize;
    final long blockSize;
    final boolean fixed;
    final boolean zeroBlocks;
    final Map<String, String> printed = new LinkedHashMap<>();

    private CreateOptions(long size, long logSize, long blockSize, boolean fixed, boolean zeroBlocks) {
        this.size = size;
        this.logSize = logSize;
        this.blockSize = blockSize;
        this.fixed = fixed;
        this.zeroBlocks = zeroBlocks;
    }

    /**
     * Parses and checks the options of an image of {@code size} bytes (-1: none given).
     *
     * @throws IllegalArgumentException with qemu-img's message
     */
    static CreateOptions parse(CreateRequest req, long size) {
        Map<String, String> in = req.options();
        for (String key : in.keySet()) {
            if (OPTIONS.stream().noneMatch(o -> o.name().equals(key))) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        if (in.containsKey("size") && size >= 0) {
            throw new IllegalArgumentException("The image size must be specified only once");
        }
        long given = in.containsKey("size") ? Sizes.parseOption("size", in.get("size")) : size;
        long log = in.containsKey("log_size") ? Sizes.parseOption("log_size", in.get("log_size")) : DEFAULT_LOG_SIZE;
        long block = in.containsKey("block_size") ? Sizes.parseOption("block_size", in.get("block_size")) : 0;
        boolean zeroBlocks = !in.containsKey("block_state_zero") || parseBool("block_state_zero",
                in.get("block_state_zero"));
        String subformat = in.getOrDefault("subformat", "dynamic");
        if (!subformat.equals("dynamic") && !subformat.equals("fixed")) {
            throw new IllegalArgumentException("Parameter 'subformat' does not accept value '" + subformat + "'");
        }
        if (req.backingFile() != null) {
            throw new IllegalArgumentException("Backing file not supported for file format 'vhdx'");
        }
        if (given < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        CreateOptions o = new CreateOptions(Layout.roundUp(given, 512), Layout.roundUp(log, Layout.MIB),
                Math.min(Layout.roundUp(block, Layout.MIB), Layout.MAX_BLOCK_SIZE), subformat.equals("fixed"),
                zeroBlocks);
        o.printed.put("size", Long.toString(given));
        o.printed.put("log_size", Long.toString(log));
        o.printed.put("block_size", Long.toString(block));
        for (String key : List.of("subformat", "block_state_zero")) {
            if (in.containsKey(key)) {
                o.printed.put(key, in.get(key));
            }
        }
        o.validate();
        return o;
    }

    private void validate() {
        if (size > Layout.MAX_VIRTUAL_SIZE) {
            throw new IllegalArgumentException("Image size too large; max of 64TB");
        }
        if (logSize > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("Log size must be smaller than 4 GB");
        }
        if (logSize < Layout.MIB) {
            throw new IllegalArgumentException("Log size must be a multiple of 1 MB");
        }
        if (Long.bitCount(blockSize()) != 1) {
            throw new IllegalArgumentException("Block size must be a power of two");
        }
    }

    /** The block size, chosen from the image size when not given (QEMU's choice, to keep the BAT small). */
    long blockSize() {
        if (blockSize != 0) {
            return blockSize;
        }
        if (size > 32 * Layout.TIB) {
            return 64 * Layout.MIB;
        } else if (size > 100L * 1024 * Layout.MIB) {
            return 32 * Layout.MIB;
        } else if (size > 1024 * Layout.MIB) {
            return 16 * Layout.MIB;
        }
        return 8 * Layout.MIB;
    }

    private static boolean parseBool(String key, String value) {
        return switch (value) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new IllegalArgumentException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }
}

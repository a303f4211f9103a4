package org.strata.format.qcow2;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.Preallocation;
import org.strata.api.Sizes;

/**
 * qemu-img's qcow2 creation options: parsing, validation with qemu-img's messages, and the effective options in
 * the order qemu-img prints them after {@code Formatting 'FILE', fmt=qcow2}.
 */
final class CreateOptions {

    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption("backing_file", "str", "File name of a base image", null),
            new CreateOption("backing_fmt", "str", "Image format of the base image", null),
            new CreateOption("cluster_size", "size", "qcow2 cluster size", "65536"),
            new CreateOption("compat", "str", "Compatibility level (v2 [0.10] or v3 [1.1])", "1.1"),
            new CreateOption("compression_type", "str", "Compression method used for image cluster compression",
                    "zlib"),
            new CreateOption("data_file", "str", "File name of an external data file", null),
            new CreateOption("data_file_raw", "bool", "The external data file must stay valid as a raw image", "off"),
            new CreateOption("extended_l2", "bool", "Extended L2 tables", "off"),
            new CreateOption("lazy_refcounts", "bool", "Postpone refcount updates", "off"),
            new CreateOption("preallocation", "str",
                    "Preallocation mode (allowed values: off, metadata, falloc, full)", "off"),
            new CreateOption("refcount_bits", "num", "Width of a reference count entry in bits", "16"),
            new CreateOption("size", "size", "Virtual disk size", null));

    int version = 3;
    int clusterBits = 16;
    int refcountOrder = 4;
    boolean lazyRefcounts;
    boolean extendedL2;
    int compressionType;
    Preallocation prealloc = Preallocation.OFF;
    String dataFile;
    boolean dataFileRaw;
    String backingFile;
    String backingFormat;
    /** As given, or -1 for the backing file's size. */
    long size = -1;
    final Map<String, String> printed = new LinkedHashMap<>();

    /** Parses and checks everything but what needs the backing file. */
    static CreateOptions parse(CreateRequest req) {
        CreateOptions o = new CreateOptions();
        Map<String, String> in = req.options();
        checkNames(in);
        if (in.containsKey("size") && req.size() >= 0) {
            throw new IllegalArgumentException("The image size must be specified only once");
        }
        o.size = in.containsKey("size") ? parseSize("size", in.get("size")) : req.size();
        long cs = clusterSize(in);
        String compat = in.getOrDefault("compat", "1.1");
        o.version = switch (compat) {
            case "0.10", "v2" -> 2;
            case "1.1", "v3" -> 3;
            default -> throw new IllegalArgumentException("Parameter 'version' does not accept value '" + compat + "'");
        };
        o.lazyRefcounts = parseBool(in, "lazy_refcounts");
        o.extendedL2 = parseBool(in, "extended_l2");
        o.dataFileRaw = parseBool(in, "data_file_raw");
        String compression = in.getOrDefault("compression_type", "zlib");
        o.compressionType = switch (compression) {
            case "zlib" -> Compression.ZLIB;
            case "zstd" -> Compression.ZSTD;
            default -> throw new IllegalArgumentException("Parameter 'compression-type' does not accept value '"
                    + compression + "'");
        };
        String prealloc = in.getOrDefault("preallocation", "off");
        o.prealloc = preallocation(prealloc, "Parameter 'preallocation' does not accept value '" + prealloc + "'");
        long refcountBits = refcountBits(in);
        o.dataFile = in.get("data_file");
        o.backingFile = in.containsKey("backing_file") ? in.get("backing_file") : req.backingFile();
        o.backingFormat = in.containsKey("backing_fmt") ? in.get("backing_fmt") : req.backingFormat();
        if (o.backingFile != null && o.backingFile.isEmpty()) {
            o.backingFile = null;
        }
        o.print(in, cs, refcountBits);
        o.clusterBits = clusterBits(cs);
        o.refcountOrder = refcountOrder(refcountBits);
        o.validate();
        return o;
    }

    /**
     * The options as qemu-img measure reads them (qcow2_measure): the ones that change the figures, checked in its
     * order and with its messages; the creation checks (backing format, the features compat=0.10 lacks, ...) do
     * not apply. Every option must still be known and of its type.
     */
    static CreateOptions parseForMeasure(Map<String, String> in) {
        checkNames(in);
        CreateOptions o = new CreateOptions();
        o.size = in.containsKey("size") ? parseSize("size", in.get("size")) : -1;
        o.lazyRefcounts = parseBool(in, "lazy_refcounts");
        o.dataFileRaw = parseBool(in, "data_file_raw");
        long refcountBits = refcountBits(in);
        o.extendedL2 = parseBool(in, "extended_l2");
        o.clusterBits = clusterBits(clusterSize(in));
        o.checkExtendedL2ClusterSize();
        String compat = in.getOrDefault("compat", "1.1");
        o.version = switch (compat) {
            case "0.10", "v2" -> 2;
            case "1.1", "v3" -> 3;
            default -> throw new IllegalArgumentException("Invalid compatibility level: '" + compat + "'");
        };
        o.refcountOrder = refcountOrder(refcountBits);
        if (o.version < 3 && o.refcountOrder != 4) {
            throw new IllegalArgumentException("Different refcount widths than 16 bits require compatibility level "
                    + "1.1 or above (use compat=1.1 or greater)");
        }
        String prealloc = in.getOrDefault("preallocation", "off");
        o.prealloc = preallocation(prealloc, "invalid parameter value: " + prealloc);
        o.backingFile = in.get("backing_file");
        return o;
    }

    private static void checkNames(Map<String, String> in) {
        for (String key : in.keySet()) {
            if (OPTIONS.stream().noneMatch(c -> c.name().equals(key))) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
    }

    private static long clusterSize(Map<String, String> in) {
        String clusterSize = in.get("cluster_size");
        return clusterSize == null ? 65536 : parseSize("cluster_size", clusterSize);
    }

    private static int clusterBits(long clusterSize) {
        if (clusterSize < 512 || clusterSize > (2 << 20) || Long.bitCount(clusterSize) != 1) {
            throw new IllegalArgumentException("Cluster size must be a power of two between 512 and 2048k");
        }
        return Long.numberOfTrailingZeros(clusterSize);
    }

    private static long refcountBits(Map<String, String> in) {
        if (!in.containsKey("refcount_bits")) {
            return 16;
        }
        try {
            return Long.parseLong(in.get("refcount_bits"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Parameter 'refcount_bits' expects a number");
        }
    }

    private static int refcountOrder(long refcountBits) {
        if (refcountBits < 1 || refcountBits > 64 || Long.bitCount(refcountBits) != 1) {
            throw new IllegalArgumentException("Refcount width must be a power of two and may not exceed 64 bits");
        }
        return Long.numberOfTrailingZeros(refcountBits);
    }

    private static Preallocation preallocation(String value, String error) {
        return switch (value) {
            case "off", "metadata", "falloc", "full" -> Preallocation.parse(value);
            default -> throw new IllegalArgumentException(error);
        };
    }

    private void checkExtendedL2ClusterSize() {
        if (extendedL2 && clusterBits < 14) {
            throw new IllegalArgumentException("Extended L2 entries are only supported with cluster sizes of at "
                    + "least 16384 bytes");
        }
    }

    private void validate() {
        String v3 = " (use version=v3 or greater)";
        if (version < 3) {
            if (refcountOrder != 4) {
                throw new IllegalArgumentException("Different refcount widths than 16 bits require compatibility "
                        + "level 1.1 or above" + v3);
            }
            if (lazyRefcounts) {
                throw new IllegalArgumentException("Lazy refcounts only supported with compatibility level 1.1 and "
                        + "above" + v3);
            }
            if (extendedL2) {
                throw new IllegalArgumentException("Extended L2 entries are only supported with compatibility level "
                        + "1.1 and above" + v3);
            }
            if (compressionType != Compression.ZLIB) {
                throw new IllegalArgumentException("Non-zlib compression type is only supported with compatibility "
                        + "level 1.1 and above" + v3);
            }
            if (dataFile != null) {
                throw new IllegalArgumentException("External data files are only supported with compatibility level "
                        + "1.1 and above" + v3);
            }
        }
        checkExtendedL2ClusterSize();
        if (dataFileRaw && dataFile == null) {
            throw new IllegalArgumentException("data-file-raw requires data-file");
        }
        if (backingFile != null && dataFileRaw) {
            throw new IllegalArgumentException("Backing file and data-file-raw cannot be used at the same time");
        }
        if (backingFile != null && prealloc != Preallocation.OFF && !extendedL2) {
            throw new IllegalArgumentException("Backing file and preallocation can only be used at the same time if "
                    + "extended_l2 is on");
        }
        if (backingFormat != null && backingFile == null) {
            throw new IllegalArgumentException("Backing format cannot be used without backing file");
        }
        if (backingFile != null && backingFormat == null) {
            throw new IllegalArgumentException("Backing file specified without backing format");
        }
    }

    /** Checks the final size (after the backing file gave it, if needed). */
    void checkSize(long finalSize) {
        if (finalSize < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        long rounded = (finalSize + 511) / 512 * 512;
        long l1 = Geometry.l1EntriesFor(rounded, clusterBits, extendedL2);
        if (l1 * 8 > Header.MAX_L1_BYTES || rounded > (1L << 61)) {
            throw new IllegalArgumentException("The image size is too large for file format 'qcow2' (try using a "
                    + "larger cluster size)");
        }
    }

    private void print(Map<String, String> in, long cs, long refcountBits) {
        printed.put("cluster_size", Long.toString(cs));
        printed.put("extended_l2", in.getOrDefault("extended_l2", "off"));
        if (in.containsKey("preallocation")) {
            printed.put("preallocation", in.get("preallocation"));
        }
        printed.put("compression_type", in.getOrDefault("compression_type", "zlib"));
        printed.put("size", Long.toString(size));
        if (in.containsKey("compat")) {
            printed.put("compat", in.get("compat"));
        }
        if (backingFile != null) {
            printed.put("backing_file", backingFile);
        }
        if (backingFormat != null) {
            printed.put("backing_fmt", backingFormat);
        }
        if (dataFile != null) {
            printed.put("data_file", dataFile);
        }
        if (in.containsKey("data_file_raw")) {
            printed.put("data_file_raw", in.get("data_file_raw"));
        }
        printed.put("lazy_refcounts", in.getOrDefault("lazy_refcounts", "off"));
        printed.put("refcount_bits", Long.toString(refcountBits));
    }

    static boolean parseBool(Map<String, String> in, String key) {
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

    /** A size-typed option, as qemu reads one (see {@link Sizes#parseOption}). */
    static long parseSize(String key, String value) {
        return Sizes.parseOption(key, value);
    }
}

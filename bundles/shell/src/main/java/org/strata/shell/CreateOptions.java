package org.strata.shell;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.strata.api.CreateOption;
import org.strata.api.FormatDriver;
import org.strata.api.Sizes;

/** qemu-img's {@code -o} option strings: {@code name=value,name2=value2}, a doubled comma for a comma in a value. */
final class CreateOptions {
    private CreateOptions() {
    }

    /** Parses every {@code -o} given, later ones overriding earlier ones. */
    static Map<String, String> parse(List<String> optionStrings) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String s : optionStrings) {
            StringBuilder item = new StringBuilder();
            for (int i = 0; i <= s.length(); i++) {
                if (i == s.length() || s.charAt(i) == ',' && !(i + 1 < s.length() && s.charAt(i + 1) == ',')) {
                    put(out, item.toString());
                    item.setLength(0);
                } else if (s.charAt(i) == ',') {
                    item.append(',');
                    i++;
                } else {
                    item.append(s.charAt(i));
                }
            }
        }
        return out;
    }

    private static void put(Map<String, String> out, String item) {
        if (item.isEmpty()) {
            return;
        }
        int eq = item.indexOf('=');
        if (eq < 0) {
            // a bare name: a flag (qemu's "lazy_refcounts" alone means on), or "help" (also "?")
            boolean help = item.equals("help") || item.equals("?");
            out.put(help ? "help" : item, help ? "" : "on");
        } else {
            out.put(item.substring(0, eq), item.substring(eq + 1));
        }
    }

    /**
     * The file protocol's option that qemu-img also takes for a format without one of that name (vdi, vpc): it goes
     * to the file qemu-img creates first, and the format driver decides what it means.
     */
    private static final CreateOption FILE_PREALLOCATION = new CreateOption("preallocation", "str",
            "Preallocation mode (allowed values: off, falloc, full)", null);

    /**
     * Checks every option's name and value against the format's options (and the file protocol's preallocation),
     * in the order given, as qemu's option parser does before a driver sees them: an unknown name, a bool other
     * than on/off (yes/no, true/false, y/n), a size or a number qemu cannot read fail with qemu-img's message.
     */
    static void check(Map<String, String> options, List<CreateOption> known) throws CommandFailure {
        for (Map.Entry<String, String> e : options.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            CreateOption option = known.stream().filter(k -> k.name().equals(name)).findFirst()
                    .or(() -> name.equals(FILE_PREALLOCATION.name()) ? Optional.of(FILE_PREALLOCATION)
                            : Optional.empty())
                    .orElseThrow(() -> new CommandFailure("Invalid parameter '" + name + "'", 1));
            switch (option.type()) {
                case "bool" -> {
                    if (!List.of("on", "yes", "true", "y", "off", "no", "false", "n").contains(value)) {
                        throw new CommandFailure("Parameter '" + name + "' expects 'on' or 'off'", 1);
                    }
                }
                case "size" -> Sizes.parseOption(name, value);
                case "num" -> {
                    if (!value.strip().matches("[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)")) {
                        throw new CommandFailure("Parameter '" + name + "' expects a number", 1);
                    }
                }
                default -> {
                    // a string: the driver checks it
                }
            }
        }
    }

    /** Fails as qemu-img does when a backing file or format is given for a format that records none. */
    static void checkBacking(FormatDriver driver, String backing, String backingFormat) throws CommandFailure {
        if ((backing != null || backingFormat != null)
                && driver.createOptions().stream().noneMatch(o -> o.name().equals("backing_file"))) {
            throw new CommandFailure("Backing file" + (backing != null ? "" : " format")
                    + " not supported for file format '" + driver.name() + "'", 1);
        }
    }

    /**
     * qemu-img create's {@code -o help} text for a format, as qemu-img 7.2 prints it (no defaults): without a file
     * name the format's options and a note on the protocol's; with one, the options of both, in one sorted list.
     */
    static String help(String format, List<CreateOption> options, boolean withFile) {
        if (!withFile) {
            return list("Supported " + format + " options:", options)
                    + "\nThe protocol level may support further options.\n"
                    + "Specify the target filename to include those options.";
        }
        List<CreateOption> all = new ArrayList<>(options);
        if (all.stream().noneMatch(o -> o.name().equals(FILE_PREALLOCATION.name()))) {
            all.add(FILE_PREALLOCATION);
        }
        all.sort(Comparator.comparing(CreateOption::name));
        return list("Supported options:", all).stripTrailing();
    }

    /** qemu-img amend's {@code -o help} text. */
    static String amendHelp(String format, List<CreateOption> options) {
        return list("Amend options for '" + format + "':", options).stripTrailing();
    }

    /** A heading, then one line per option. */
    private static String list(String heading, List<CreateOption> options) {
        StringBuilder sb = new StringBuilder(heading).append('\n');
        for (CreateOption o : options) {
            String type = o.type().equals("bool") ? "bool (on/off)" : o.type();
            String left = "  " + o.name() + "=<" + type + ">";
            sb.append(String.format("%-24s - %s", left, o.description())).append('\n');
        }
        return sb.toString();
    }
}

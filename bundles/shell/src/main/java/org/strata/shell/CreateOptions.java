package org.strata.shell;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateOption;

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
            // a bare name: a flag (qemu's "lazy_refcounts" alone means on), or "help"
            out.put(item, item.equals("help") ? "" : "on");
        } else {
            out.put(item.substring(0, eq), item.substring(eq + 1));
        }
    }

    /** The {@code -o help} text for a format. */
    static String help(String format, List<CreateOption> options) {
        StringBuilder sb = new StringBuilder("Supported " + format + " options:\n");
        for (CreateOption o : options) {
            // qemu-img spells its boolean type "bool (on/off)"
            String left = "  " + o.name() + "=<" + (o.type().equals("bool") ? "bool (on/off)" : o.type()) + ">";
            sb.append(String.format("%-24s - %s", left, o.description()));
            if (o.defaultValue() != null) {
                sb.append(" (default: ").append(o.defaultValue()).append(')');
            }
            sb.append('\n');
        }
        sb.append("\nThe protocol level may support further options.\n");
        sb.append("Specify the target filename to include those options.");
        return sb.toString();
    }
}

package org.strata.shell;

import java.io.IOException;
import java.io.PrintStream;

import org.strata.api.FormatAccess;
import org.strata.core.image.Errors;

/**
 * Which internal snapshot {@code image:convert -l} reads, as qemu-img 7.2 reads the option: {@code -l ID_OR_NAME}
 * (an id first, else a name), or QEMU's option syntax {@code -l snapshot.id=ID,snapshot.name=NAME} (either or both,
 * both must match).
 *
 * @param id       the id that must match, or null
 * @param name     the name that must match, or null
 * @param idOrName the id or else the name of a bare {@code -l}, or null
 */
record SnapshotChoice(String id, String name, String idOrName) {

    private static final String PREFIX = "snapshot.";

    /**
     * Reads {@code -l}'s argument; the warnings QEMU's option parser gives go to {@code err}, as {@code command}'s.
     *
     * @throws CommandFailure for a parameter other than snapshot.id and snapshot.name, with QEMU's message
     */
    static SnapshotChoice parse(String arg, PrintStream err, String command) throws CommandFailure {
        if (!arg.startsWith(PREFIX)) {
            return new SnapshotChoice(null, null, arg);
        }
        String id = null;
        String name = null;
        int p = 0;
        while (p < arg.length()) {
            int end = p;
            while (end < arg.length() && arg.charAt(end) != '=' && arg.charAt(end) != ',') {
                end++;
            }
            String key = arg.substring(p, end);
            String value;
            if (end == arg.length() || arg.charAt(end) == ',') {
                // a key without a value is a flag: on, or off after "no" (QEMU still takes it, with a warning)
                String given = key;
                boolean off = key.startsWith("no");
                key = off ? key.substring(2) : key;
                value = off ? "off" : "on";
                err.print(command + ": warning: short-form boolean option '" + given + "' deprecated\nPlease use "
                        + key + "=" + value + " instead\n");
                p = end;
            } else {
                // the value runs to the next single comma; ",," stands for a comma
                StringBuilder v = new StringBuilder();
                p = end + 1;
                while (p < arg.length() && (arg.charAt(p) != ',' || arg.startsWith(",,", p))) {
                    v.append(arg.charAt(p));
                    p += arg.charAt(p) == ',' ? 2 : 1;
                }
                value = v.toString();
            }
            if (p < arg.length()) {
                p++; // the comma
            }
            switch (key) {
                case PREFIX + "id" -> id = value;
                case PREFIX + "name" -> name = value;
                default -> throw new CommandFailure("Invalid parameter '" + key + "'", 1);
            }
        }
        return new SnapshotChoice(id, name, null);
    }

    /** Whether this is a bare {@code -l ID_OR_NAME}, which qemu-img refuses for several sources. */
    boolean bare() {
        return idOrName != null;
    }

    /** Makes {@code image}, open read-only, show the snapshot; fails as qemu-img does ("Failed to load snapshot"). */
    void load(FormatAccess image) throws CommandFailure, IOException {
        String byId = id;
        String byName = name;
        if (bare()) {
            // as qemu-img: an id when some snapshot has it, else a name
            boolean isId = image.snapshots().stream().anyMatch(s -> s.id().equals(idOrName));
            byId = isId ? idOrName : null;
            byName = isId ? null : idOrName;
        }
        try {
            image.loadSnapshot(byId, byName);
        } catch (IOException e) {
            throw new CommandFailure("Failed to load snapshot: " + Errors.oneLine(e), 1, e);
        }
    }
}

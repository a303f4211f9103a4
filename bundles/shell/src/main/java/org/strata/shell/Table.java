package org.strata.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A table for the terminal: each column as wide as its widest cell, columns two spaces apart. A row's last cell is
 * never padded and does not widen its column, so a short row's last cell may span the columns after it (a node's
 * "drivers" line).
 */
final class Table {

    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    /** Adds a row; its cells print as {@link String#valueOf}. */
    Table row(Object... cells) {
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = String.valueOf(cells[i]);
        }
        rows.add(row);
        return this;
    }

    void print(PrintStream out) {
        List<Integer> widths = new ArrayList<>();
        for (String[] row : rows) {
            for (int i = 0; i < row.length - 1; i++) {
                if (i == widths.size()) {
                    widths.add(0);
                }
                widths.set(i, Math.max(widths.get(i), row[i].length()));
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths.get(i) - row[i].length() + 2));
                }
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        out.print(text);
    }
}

package dev.shelter.service.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of text in columns as wide as their widest cell, two spaces apart: no cell runs into the
 * next, whatever its length. The last column is not padded, so lines carry no trailing blanks.
 */
final class Table {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... header) {
        this.header = List.of(header);
    }

    /** Adds a row with one cell per column; an empty cell shows as "-", line breaks as spaces. */
    Table row(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + header.size() + " columns");
        }
        rows.add(Arrays.stream(cells).map(c -> c == null || c.isBlank() ? "-" : c.strip().replaceAll("\\s*[\\r\\n]+\\s*", " "))
                .toList());
        return this;
    }

    /** The header and the rows, each line ending in a newline. */
    String render() {
        int[] widths = new int[header.size()];
        for (List<String> line : lines()) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (List<String> line : lines()) {
            StringBuilder rendered = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                rendered.append(i == widths.length - 1 ? line.get(i) : String.format("%-" + widths[i] + "s  ", line.get(i)));
            }
            text.append(rendered.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }

    private List<List<String>> lines() {
        List<List<String>> lines = new ArrayList<>();
        lines.add(header);
        lines.addAll(rows);
        return lines;
    }
}

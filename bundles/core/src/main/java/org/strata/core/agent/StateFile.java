package org.strata.core.agent;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/**
 * A list persisted as JSON under var/, written atomically (a temporary file, fsynced, then renamed), so a crash
 * leaves either the old or the new content.
 */
public final class StateFile<T> {

    /** Made on first use: a short-lived `strata run` never loads Gson. */
    private static final class Json {
        static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    }

    private final Path file;
    private final Type listType;

    public StateFile(Path file, Type listType) {
        this.file = file;
        this.listType = listType;
    }

    /** The stored list, or an empty one when there is none. */
    public List<T> load() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            List<T> items = Json.GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), listType);
            return items == null ? List.of() : items;
        } catch (JsonParseException e) {
            throw new IOException(file + " is not valid: " + e.getMessage(), e);
        }
    }

    public synchronized void save(List<T> items) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(Json.GSON.toJson(items, listType).getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

package org.strata.core.image;

import java.nio.file.Path;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * Where an image lies, from what a user typed: a path (relative to a working directory), a URL
 * ({@code nbd://}, {@code nbd+unix://}, {@code http(s)://}), or {@code json:{...}} with QEMU's blockdev option
 * names ({@code driver}, {@code file}, {@code filename}, {@code url}, {@code server}, {@code export}).
 *
 * @param storage the location a storage backend opens (an absolute path or a URL)
 * @param format  the format the name itself fixes ({@code json:} with a format driver), or null
 */
public record ImageLocation(String storage, String format) {

    private static final java.util.Set<String> STORAGE_DRIVERS =
            java.util.Set.of("file", "host_device", "nbd", "http", "https");

    public static ImageLocation parse(String name, Path cwd) {
        if (name.startsWith("json:")) {
            return parseJson(name.substring(5), cwd);
        }
        if (isUrl(name)) {
            return new ImageLocation(name, null);
        }
        return new ImageLocation(cwd.resolve(name).normalize().toString(), null);
    }

    /** Whether a name is a URL rather than a path. */
    public static boolean isUrl(String name) {
        return name.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }

    private static ImageLocation parseJson(String json, Path cwd) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("json: needs an object");
            }
            o = unflatten(e.getAsJsonObject());
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("Could not parse the json: filename: " + e.getMessage());
        }
        String driver = string(o, "driver");
        if (driver == null) {
            throw new IllegalArgumentException("json: filename needs a 'driver'");
        }
        if (STORAGE_DRIVERS.contains(driver)) {
            return new ImageLocation(storageOf(o, driver, cwd), null);
        }
        JsonElement file = o.get("file");
        if (file == null) {
            throw new IllegalArgumentException("json: filename with driver '" + driver + "' needs a 'file'");
        }
        if (file.isJsonPrimitive()) {
            return new ImageLocation(parse(file.getAsString(), cwd).storage(), driver);
        }
        JsonObject f = file.getAsJsonObject();
        String fileDriver = string(f, "driver");
        return new ImageLocation(storageOf(f, fileDriver == null ? "file" : fileDriver, cwd), driver);
    }

    private static String storageOf(JsonObject o, String driver, Path cwd) {
        switch (driver) {
            case "file":
            case "host_device": {
                String filename = string(o, "filename");
                if (filename == null) {
                    throw new IllegalArgumentException("json: '" + driver + "' needs a 'filename'");
                }
                return cwd.resolve(filename).normalize().toString();
            }
            case "http":
            case "https": {
                String url = string(o, "url");
                if (url == null) {
                    throw new IllegalArgumentException("json: '" + driver + "' needs a 'url'");
                }
                return url;
            }
            case "nbd": {
                JsonObject server = o.has("server") ? o.getAsJsonObject("server") : new JsonObject();
                String export = string(o, "export");
                String path = export == null ? "" : export;
                if ("unix".equals(string(server, "type"))) {
                    return "nbd+unix:///" + path + "?socket=" + string(server, "path");
                }
                String host = string(server, "host");
                String port = string(server, "port");
                return "nbd://" + (host == null ? "localhost" : host) + (port == null ? "" : ":" + port) + "/" + path;
            }
            default:
                throw new IllegalArgumentException("Unknown protocol '" + driver + "'");
        }
    }

    /** Turns QEMU's dotted keys ({@code "file.filename": "x"}) into nested objects. */
    private static JsonObject unflatten(JsonObject in) {
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> e : in.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            JsonObject target = out;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonElement next = target.get(parts[i]);
                if (next == null || !next.isJsonObject()) {
                    JsonObject created = new JsonObject();
                    target.add(parts[i], created);
                    next = created;
                }
                target = next.getAsJsonObject();
            }
            JsonElement v = e.getValue();
            target.add(parts[parts.length - 1], v.isJsonObject() ? unflatten(v.getAsJsonObject()) : v);
        }
        return out;
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }
}

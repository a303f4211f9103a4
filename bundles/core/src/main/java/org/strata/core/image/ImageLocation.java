package org.strata.core.image;

import java.nio.file.Path;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * Where an image lies, from what a user typed: a path (relative to a working directory), a URL
 * ({@code nbd://}, {@code nbd+unix://}, {@code http(s)://}), a Ceph RBD name ({@code rbd:POOL/IMAGE[:KEY=VALUE...]},
 * kept as typed), or {@code json:{...}} with QEMU's blockdev option names ({@code driver}, {@code file},
 * {@code filename}, {@code url}, {@code server}, {@code export}; for rbd {@code pool}, {@code namespace},
 * {@code image}, {@code snapshot}, {@code conf}, {@code user}, {@code server}).
 *
 * @param storage the location a storage backend opens (an absolute path, a URL or an rbd: name)
 * @param format  the format the name itself fixes ({@code json:} with a format driver), or null
 */
public record ImageLocation(String storage, String format) {

    private static final java.util.Set<String> STORAGE_DRIVERS =
            java.util.Set.of("file", "host_device", "nbd", "http", "https", "rbd");
    private static final String RBD = "rbd:";

    public static ImageLocation parse(String name, Path cwd) {
        if (name.startsWith("json:")) {
            return parseJson(name.substring(5), cwd);
        }
        if (isUrl(name)) {
            return new ImageLocation(name, null);
        }
        return new ImageLocation(cwd.resolve(name).normalize().toString(), null);
    }

    /** Whether a name is a URL (or an rbd: name, which is used as one) rather than a path. */
    public static boolean isUrl(String name) {
        return name.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*") || isRbd(name);
    }

    /** Whether a name is a Ceph RBD name ({@code rbd:...}). */
    public static boolean isRbd(String name) {
        return name.startsWith(RBD);
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
            case "rbd":
                return rbdName(o);
            default:
                throw new IllegalArgumentException("Unknown protocol '" + driver + "'");
        }
    }

    /** QEMU's rbd: name of an rbd blockdev object (its filename syntax, with backslash escapes). */
    private static String rbdName(JsonObject o) {
        String pool = string(o, "pool");
        String image = string(o, "image");
        if (pool == null || image == null) {
            throw new IllegalArgumentException("json: 'rbd' needs a 'pool' and an 'image'");
        }
        String namespace = string(o, "namespace");
        StringBuilder name = new StringBuilder(RBD).append(escape(pool, "/@:")).append('/');
        if (namespace != null && !namespace.isEmpty()) {
            name.append(escape(namespace, "/@:")).append('/');
        }
        name.append(escape(image, "/@:"));
        String snapshot = string(o, "snapshot");
        if (snapshot != null) {
            name.append('@').append(escape(snapshot, "/@:"));
        }
        String conf = string(o, "conf");
        if (conf != null) {
            name.append(":conf=").append(escape(conf, ":"));
        }
        String user = string(o, "user");
        if (user != null) {
            name.append(":id=").append(escape(user, ":"));
        }
        if (o.has("server") && o.get("server").isJsonArray()) {
            java.util.List<String> monitors = new java.util.ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("server")) {
                String host = string(e.getAsJsonObject(), "host");
                String port = string(e.getAsJsonObject(), "port");
                monitors.add((host.contains(":") ? "[" + host + "]" : host) + (port == null ? "" : ":" + port));
            }
            name.append(":mon_host=").append(escape(String.join(";", monitors), ":"));
        }
        return name.toString();
    }

    private static String escape(String s, String special) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\' || special.indexOf(c) >= 0) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
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

package org.strata.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code image:create} asks of a format driver.
 *
 * @param size          the virtual size, or -1 to take the backing file's
 * @param options       the {@code -o} options, name to value, in the order given; a driver rejects names it does not know
 * @param backingFile   the backing file as it will be recorded in the image (may be relative), or null
 * @param backingFormat the backing file's format, or null
 * @param openBacking   false for {@code -u}: the backing file is recorded without being opened
 */
public record CreateRequest(long size, Map<String, String> options, String backingFile, String backingFormat,
                            boolean openBacking) {

    public CreateRequest {
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    public static CreateRequest ofSize(long size) {
        return new CreateRequest(size, Map.of(), null, null, true);
    }

    public String option(String name, String defaultValue) {
        return options.getOrDefault(name, defaultValue);
    }
}

package org.strata.shell;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** JSON for Strata's own commands (those that mirror qemu-img use {@link QemuJson}, for byte-identical output). */
final class Json {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private Json() {
    }
}

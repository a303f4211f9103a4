package org.strata.format.vdi;

import java.util.Map;

/** The format contract on static VDI images (every block mapped from the start, the file sparse). */
class StaticVdiContractTest extends DynamicVdiContractTest {

    @Override
    protected Map<String, String> createOptions() {
        return Map.of("static", "on");
    }
}

package org.strata.format.vpc;

import java.util.Map;

/** The format contract on fixed VHDs (force_size, so sizes are exact rather than rounded to a geometry). */
class FixedVpcContractTest extends DynamicVpcContractTest {

    @Override
    protected Map<String, String> createOptions() {
        return Map.of("subformat", "fixed", "force_size", "on");
    }
}

package org.strata.core.image;

import java.util.Map;

/**
 * A new image: the options its format driver made effective, as qemu-img prints them after
 * {@code Formatting 'FILE', fmt=FORMAT}, and the files its creation made (for a caller that fails later).
 */
public record CreatedImage(Map<String, String> options, NewFiles files) {
}

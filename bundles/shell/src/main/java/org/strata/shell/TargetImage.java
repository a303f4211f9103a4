package org.strata.shell;

import java.io.Closeable;
import java.io.IOException;

import org.strata.api.FormatAccess;
import org.strata.core.image.CreatedImage;
import org.strata.core.ops.Operation;

/**
 * The image a command writes (convert's target) and what creating it made. Closed before the operation that
 * writes it completed, so after any failure, it removes the files its creation made; an image that existed before
 * (convert -n's) is never removed.
 */
final class TargetImage implements Closeable {

    private final CreatedImage created;
    private FormatAccess image;
    private volatile boolean complete;

    /** @param created what the command created, or null when the image existed */
    TargetImage(CreatedImage created) {
        this.created = created;
    }

    /** The target, opened; closed with this. */
    FormatAccess open(FormatAccess opened) {
        image = opened;
        return opened;
    }

    /** {@code op}, then the target's close (its last flush): only when both succeed is the target complete. */
    Operation completing(Operation op) {
        return control -> {
            op.run(control);
            image.close();
            complete = true;
        };
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            if (image != null) {
                image.close();
            }
        } catch (IOException e) {
            failure = e;
        }
        if (!complete && created != null) {
            try {
                created.files().remove();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}

package org.strata.core.image;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/** Things opened for an image, closed in the reverse order they were opened; the first failure is rethrown. */
final class Resources implements Closeable {

    private final Deque<Closeable> opened = new ArrayDeque<>();

    synchronized <T extends Closeable> T add(T resource) {
        opened.push(resource);
        return resource;
    }

    @Override
    public synchronized void close() throws IOException {
        IOException failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes everything, adding any failure to {@code primary} instead of throwing. */
    void closeQuietly(Throwable primary) {
        try {
            close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}

package org.strata.storage.rbd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The connections of one driver, one per {@link Cluster.Key}: an image takes its cluster's connection (connecting
 * first when it has none) and gives it back when it closes; the last one to give it back shuts it down.
 */
final class Clusters {

    private final int timeoutSeconds;
    private final Map<Cluster.Key, Cluster> open = new HashMap<>();

    Clusters(int timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    synchronized Cluster acquire(Cluster.Key key) throws IOException {
        Cluster c = open.get(key);
        if (c == null) {
            c = Cluster.connect(key, timeoutSeconds);
            open.put(key, c);
        }
        c.users++;
        return c;
    }

    synchronized void release(Cluster c) throws IOException {
        if (--c.users == 0) {
            open.remove(c.key());
            c.shutdown();
        }
    }

    /** How many connections are open now (tests look). */
    synchronized int size() {
        return open.size();
    }

    /** Shuts every connection down (the driver is going away; its images are closed by then). */
    synchronized void closeAll() throws IOException {
        List<Cluster> all = new ArrayList<>(open.values());
        open.clear();
        for (Cluster c : all) {
            c.shutdown();
        }
    }
}

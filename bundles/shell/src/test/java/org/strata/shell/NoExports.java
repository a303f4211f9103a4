package org.strata.shell;

import java.util.List;

import org.strata.nbd.Exports;

/** The exports of an agent without an NBD server, as {@code strata run} has none: nothing served, nowhere. */
final class NoExports implements Exports {

    @Override
    public void add(Spec spec) {
        throw new UnsupportedOperationException("no NBD server in this test");
    }

    @Override
    public boolean remove(String name) {
        return false;
    }

    @Override
    public List<Spec> specs() {
        return List.of();
    }

    @Override
    public List<org.strata.nbd.ExportInfo> served() {
        return List.of();
    }

    @Override
    public List<String> listenAddresses() {
        return List.of();
    }
}

package org.strata.nbd.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

/**
 * Where and how the NBD server listens, checked whole before any of it applies: every address parsed (and a host
 * name resolved), the TLS certificate and key loaded, the allow-list parsed. So a bad setting is refused as a
 * whole and changes nothing.
 *
 * @param listen         the addresses, never empty
 * @param tls            the TLS every client must start, or null for none
 * @param allowedClients the TCP clients let in
 */
record ServerSettings(List<ListenAddress> listen, SSLContext tls, ClientAllowList allowedClients) {

    static final String LISTEN_ENV = "STRATA_NBD_LISTEN";

    /**
     * @param home the agent's home, against whose etc/ relative TLS paths resolve; null outside a framework
     * @param env  the environment, whose {@value #LISTEN_ENV} overrides {@code listen}
     * @throws IllegalArgumentException or IOException: one line saying which setting is wrong and why
     */
    static ServerSettings parse(NbdServerComponent.Config config, String home, Map<String, String> env)
            throws IOException {
        Path cert = tlsPath(config.tls_cert(), "tls.key", config.tls_key(), home);
        Path key = tlsPath(config.tls_key(), "tls.cert", config.tls_cert(), home);
        ClientAllowList allowed = ClientAllowList.parse(config.allow_clients());
        List<ListenAddress> listen = ListenAddress.parseList(effectiveListen(config.listen(), env));
        for (ListenAddress a : listen) {
            if (!a.isUnix() && a.tcp().socketAddress().isUnresolved()) {
                throw new IllegalArgumentException("NBD listen address '" + a + "': unknown host " + a.tcp().host());
            }
        }
        SSLContext tls;
        try {
            tls = cert == null ? null : TlsContexts.fromPem(cert, key);
        } catch (IOException e) {
            throw new IOException("bad TLS configuration: " + e.getMessage(), e);
        }
        return new ServerSettings(listen, tls, allowed);
    }

    /** The listen addresses in force: the environment's STRATA_NBD_LISTEN, else the configured ones. */
    static String effectiveListen(String configured, Map<String, String> env) {
        String fromEnv = env.get(LISTEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return configured == null || configured.isBlank() ? ListenAddress.DEFAULT : configured;
    }

    /**
     * A TLS file path, relative ones resolved against {@code ${strata.home}/etc}; null when TLS is off.
     * Both files must be given or neither.
     */
    static Path tlsPath(String value, String otherName, String other, String home) {
        boolean set = value != null && !value.isBlank();
        boolean otherSet = other != null && !other.isBlank();
        if (set != otherSet) {
            throw new IllegalArgumentException("bad TLS configuration: tls.cert and tls.key must be given together ("
                    + otherName + " is " + (otherSet ? "set" : "missing") + ")");
        }
        if (!set) {
            return null;
        }
        Path p = Path.of(value.trim());
        if (!p.isAbsolute() && home != null) {
            p = Path.of(home, "etc").resolve(p);
        }
        return p;
    }
}

package org.strata.core.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One aspect of the agent's health. Registered as an OSGi service, it is run by {@link Health} (whiteboard
 * style, as Felix Health Checks are): any bundle adds a check by registering one.
 */
@ConsumerType
public interface HealthCheck {

    /** A short name, such as "drivers" or "nbd-listener". */
    String name();

    /** Looks now; quick (no I/O beyond a file system's statistics). */
    Result check();

    /** The status and the reason, one line. */
    record Result(Status status, String message) {

        public static Result ok(String message) {
            return new Result(Status.OK, message);
        }

        public static Result warning(String message) {
            return new Result(Status.WARNING, message);
        }

        public static Result critical(String message) {
            return new Result(Status.CRITICAL, message);
        }
    }

    /** From good to bad; the exit status of {@code agent:health} is the worst one's code. */
    enum Status {
        OK(0), WARNING(1), CRITICAL(2);

        private final int exitCode;

        Status(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public Status worse(Status other) {
            return compareTo(other) >= 0 ? this : other;
        }
    }
}

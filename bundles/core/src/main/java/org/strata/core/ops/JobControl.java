package org.strata.core.ops;

/** What an operation reports to whoever runs it, and how it learns it should stop. */
public interface JobControl {

    /** The amount of work in all (bytes, normally). */
    void total(long amount);

    /** Work done since the last call. */
    void advance(long amount);

    /** Throws {@link OperationCancelled} once cancellation was asked for. Call it between consistent steps. */
    void checkCancelled() throws OperationCancelled;

    /** A control that reports nowhere and is never cancelled. */
    JobControl NONE = new JobControl() {
        @Override
        public void total(long amount) {
        }

        @Override
        public void advance(long amount) {
        }

        @Override
        public void checkCancelled() {
        }
    };
}

package org.strata.core.health;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Runs every registered {@link HealthCheck}: the answer of {@code agent:health}. */
@Component(service = Health.class)
public final class Health {

    /** What one check said. */
    public record Finding(String check, HealthCheck.Result result) {
    }

    /** Every check's finding, by name, and the worst status among them (OK when there is none). */
    public record Report(HealthCheck.Status status, List<Finding> findings) {
    }

    private final List<HealthCheck> checks = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addCheck(HealthCheck check) {
        checks.add(check);
    }

    public void removeCheck(HealthCheck check) {
        checks.remove(check);
    }

    public Report run() {
        List<Finding> findings = new ArrayList<>();
        HealthCheck.Status worst = HealthCheck.Status.OK;
        for (HealthCheck c : checks) {
            HealthCheck.Result r;
            try {
                r = c.check();
            } catch (RuntimeException e) {
                r = HealthCheck.Result.critical("the check failed: " + e);
            }
            findings.add(new Finding(c.name(), r));
            worst = worst.worse(r.status());
        }
        findings.sort(Comparator.comparing(Finding::check));
        return new Report(worst, findings);
    }
}

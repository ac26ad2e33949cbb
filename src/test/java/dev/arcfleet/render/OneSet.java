package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.fail;

import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;

/** The first set of one repository, {@code acme/widgets}, with the given fields, as the parser makes it. */
final class OneSet {

    private OneSet() {
    }

    static RunnerSet of(String fields) {
        try {
            return new FleetConfigParser().parse("repositories:\n  - name: acme/widgets\n" + fields.indent(4))
                    .runnerSets().get(0);
        } catch (InvalidFleetConfigException e) {
            return fail("test config invalid: " + e.problems());
        }
    }
}

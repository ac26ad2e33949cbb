package dev.arcfleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * A repository's {@code namespace}: inherited from {@code defaults}, overridden per repository, and absent (the daemon's
 * own namespace) unless given. Whether arcfleet watches it is decided per set at reconcile time, not here.
 */
class RepositoryNamespaceTest {

    @Test
    void absentByDefaultInheritedFromDefaultsAndOverriddenPerRepository() throws InvalidFleetConfigException {
        FleetConfig plain = new FleetConfigParser().parse("repositories:\n  - name: acme/widgets\n");
        assertEquals(Optional.empty(), plain.repositories().get(0).namespace());

        FleetConfig fleet = new FleetConfigParser().parse("""
                defaults:
                  namespace: team-shared
                repositories:
                  - name: acme/widgets
                  - name: acme/gadgets
                    namespace: team-gadgets
                """);
        assertEquals(List.of(Optional.of("team-shared"), Optional.of("team-gadgets")),
                fleet.repositories().stream().map(RepositoryConfig::namespace).toList());
    }

    @Test
    void aNamespaceThatIsNoNamespaceNameIsRefusedNamingRepositoryAndField() {
        InvalidFleetConfigException refused = assertThrows(InvalidFleetConfigException.class, () -> new FleetConfigParser()
                .parse("""
                        repositories:
                          - name: acme/widgets
                          - name: acme/gadgets
                            namespace: Team_Gadgets
                        """));
        assertEquals(1, refused.problems().size(), refused.problems().toString());
        String problem = refused.problems().get(0);
        assertTrue(problem.contains("repository acme/gadgets") && problem.contains("namespace")
                && problem.contains("'Team_Gadgets'"), problem);
    }
}

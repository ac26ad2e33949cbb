package dev.arcfleet.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.arcfleet.chart.SetNames;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;

class RoutingRuleTest {

    /** Owner and repository long enough that SetNames shortens every set name with a hash. */
    static final String LONG_NAME = "some-organisation-with-a-long-name/a-very-long-repository-name-for-routing";

    /** Built through the parser, so the repository carries every default a real one has. */
    static RepositoryConfig repository(String name, int instances) {
        return repository(name, instances, "");
    }

    static RepositoryConfig repository(String name, int instances, String extraYaml) {
        String yaml = "repositories:\n  - name: " + name + "\n    instances: " + instances + "\n" + extraYaml;
        try {
            return new FleetConfigParser().parse(yaml).repositories().get(0);
        } catch (InvalidFleetConfigException e) {
            return fail("test repository rejected: " + e.problems());
        }
    }

    /** A repository whose sets are named in {@code sets}, routed by their position there. */
    static RepositoryConfig listed(String name, List<String> sets) {
        try {
            return new FleetConfigParser().parse("repositories:\n  - name: " + name + "\n    sets: [" + String.join(", ", sets)
                    + "]\n").repositories().get(0);
        } catch (InvalidFleetConfigException e) {
            return fail("test repository rejected: " + e.problems());
        }
    }

    private static String nameOf(RepositoryConfig repository, int instance) {
        return repository.runnerSets().stream()
                .filter(set -> set.instance() == instance)
                .map(RunnerSet::name)
                .findFirst()
                .orElseThrow(() -> new AssertionError(repository.fullName() + " has no instance " + instance));
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 2, 3, 4, 5, 6, 7 })
    void numberNGoesToInstanceNModInstancesPlusOne(int instances) {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", instances);
        for (int n = 0; n <= 200; n++) {
            RoutingRule.Route route = RoutingRule.forNumber(repository, n);
            int expected = n % instances + 1;
            assertEquals(expected, route.instance(), "n=" + n);
            assertEquals("arc-runner-rkoster-rubionic-workspace-" + expected, route.setName(), "n=" + n);
            assertEquals("issue or pull request " + n + " mod " + instances + " = " + (n % instances)
                    + ", + 1 → instance " + expected, route.derivation());
        }
    }

    /** The rule picks positions; names numbered from 0 or listed in {@code sets} follow them. */
    @Test
    void setsNumberedFromZeroOrListedAreRoutedByPosition() {
        RepositoryConfig fromZero = repository("acme/tools", 3, "    firstIndex: 0\n");
        RepositoryConfig listed = listed("acme/quickstart", List.of("arc-runner-set", "arc-runner-set-b", "ci-large"));
        for (int n = 0; n <= 30; n++) {
            assertEquals("arc-runner-acme-tools-" + n % 3, RoutingRule.forNumber(fromZero, n).setName(), "n=" + n);
            assertEquals(List.of("arc-runner-set", "arc-runner-set-b", "ci-large").get(n % 3),
                    RoutingRule.forNumber(listed, n).setName(), "n=" + n);
        }
    }

    @Test
    void derivationOfTheIssueExample() {
        assertEquals("issue or pull request 123 mod 3 = 0, + 1 → instance 1",
                RoutingRule.forNumber(repository("rkoster/rubionic-workspace", 3), 123).derivation());
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 2, 3, 4, 5, 6, 7 })
    void digitsOnlyKeyIsRoutedAsItsNumber(int instances) {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", instances);
        for (int n = 0; n <= 200; n++) {
            RoutingRule.Route byKey = RoutingRule.forKey(repository, Integer.toString(n));
            assertEquals(RoutingRule.forNumber(repository, n).setName(), byKey.setName(), "key " + n);
            assertEquals(n % instances + 1, byKey.instance(), "key " + n);
        }
    }

    @Test
    void leadingZerosAreDecimalNotOctal() {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", 7);
        // As octal, 010 would be 8 (instance 2); as decimal it is 10 (instance 4).
        RoutingRule.Route route = RoutingRule.forKey(repository, "010");
        assertEquals(4, route.instance());
        assertEquals("key \"010\" is all digits: 10 mod 7 = 3, + 1 → instance 4", route.derivation());
    }

    @Test
    void digitKeyLongerThanALongIsStillExact() {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", 7);
        // 10^30 mod 7 = 1, since 10^6 mod 7 = 1.
        RoutingRule.Route route = RoutingRule.forKey(repository, "1" + "0".repeat(30));
        assertEquals(2, route.instance());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // The SHA-256 test vectors of FIPS 180-2: "" starts e3b0c442, "abc" starts ba7816bf.
            "''  | 3 | 3 | e3b0c442 = 3820012610, mod 3 = 2",
            "''  | 7 | 2 | e3b0c442 = 3820012610, mod 7 = 1",
            "abc | 3 | 1 | ba7816bf = 3128432319, mod 3 = 0",
            "abc | 7 | 6 | ba7816bf = 3128432319, mod 7 = 5",
    })
    void otherKeysGoByTheFirstEightHexDigitsOfTheirSha256(String key, int instances, int instance, String hashPart) {
        RoutingRule.Route route = RoutingRule.forKey(repository("rkoster/rubionic-workspace", instances), key);
        assertEquals(instance, route.instance());
        assertEquals("arc-runner-rkoster-rubionic-workspace-" + instance, route.setName());
        assertEquals("key \"" + key + "\" is not all digits: SHA-256 starts " + hashPart + ", + 1 → instance "
                + instance, route.derivation());
    }

    @ParameterizedTest
    @ValueSource(strings = { "-1", "+1", " 42", "42 ", "4 2", "0x1F", "1e3", "٤٢", "１２" })
    void keysWithAnythingButAsciiDigitsAreHashed(String key) {
        RoutingRule.Route route = RoutingRule.forKey(repository("rkoster/rubionic-workspace", 7), key);
        assertTrue(route.derivation().contains("is not all digits: SHA-256 starts"), route.derivation());
    }

    @Test
    void negativeNumbersAreRejected() {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", 3);
        assertThrows(IllegalArgumentException.class, () -> RoutingRule.forNumber(repository, -1));
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 3, 10, 100 })
    void longNamesAreSetNamesShortenedNames(int instances) {
        RepositoryConfig repository = repository(LONG_NAME, instances);
        Set<String> seen = new HashSet<>();
        for (int n = 0; n < 3 * instances; n++) {
            RoutingRule.Route route = RoutingRule.forNumber(repository, n);
            assertEquals(SetNames.setName(repository.setNamePrefix(), route.instance()), route.setName());
            assertEquals(nameOf(repository, route.instance()), route.setName());
            assertTrue(route.setName().length() <= SetNames.MAX_SET_NAME_LENGTH, route.setName());
            assertTrue(route.setName().endsWith("-" + route.instance()), route.setName());
            seen.add(route.setName());
        }
        assertEquals(instances, seen.size(), "every instance is reached and has its own name");
        assertEquals(Set.copyOf(repository.runnerSets().stream().map(RunnerSet::name).toList()), seen);
    }

    @Test
    void installationNameIsThePrefix() {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", 3,
                "    installationName: custom-runners\n");
        assertEquals(List.of("custom-runners-2", "custom-runners-3", "custom-runners-1"),
                List.of(RoutingRule.forNumber(repository, 1).setName(), RoutingRule.forNumber(repository, 2).setName(),
                        RoutingRule.forNumber(repository, 3).setName()));
    }
}

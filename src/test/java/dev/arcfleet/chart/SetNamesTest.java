package dev.arcfleet.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;

class SetNamesTest {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9](?:[-a-z0-9]*[a-z0-9])?");

    private static String name(String owner, String repo, int instance) {
        return SetNames.setName(SetNames.defaultPrefix(owner, repo), instance);
    }

    @Test
    void shortNameIsArcRunnerOwnerRepoInstance() {
        assertEquals("arc-runner-acme-widgets-1", name("acme", "widgets", 1));
        assertEquals("arc-runner-acme-widgets-12", name("acme", "widgets", 12));
    }

    @ParameterizedTest
    @CsvSource({
            "Acme, Widgets, 1, arc-runner-acme-widgets-1",
            "acme, my.repo, 2, arc-runner-acme-my-repo-2",
            "acme, my_repo, 3, arc-runner-acme-my-repo-3",
            "ACME-Corp, Repo.Name_X, 1, arc-runner-acme-corp-repo-name-x-1",
            "acme, .github, 1, arc-runner-acme-github-1",
            "acme, repo., 1, arc-runner-acme-repo-1",
            "acme, a..b__c, 1, arc-runner-acme-a-b-c-1",
    })
    void namesAreLowerCasedAndDnsSafe(String owner, String repo, int instance, String expected) {
        String name = name(owner, repo, instance);
        assertEquals(expected, name);
        assertTrue(DNS_LABEL.matcher(name).matches(), name);
    }

    @Test
    void nameOfExactlyFortyFiveCharactersIsKeptAsIs() {
        // "arc-runner-acme-" is 16 chars; prefix of 43 chars + "-1" = 45
        String repo = "r".repeat(43 - "arc-runner-acme-".length());
        String name = name("acme", repo, 1);
        assertEquals("arc-runner-acme-" + repo + "-1", name);
        assertEquals(45, name.length());
    }

    @Test
    void oneCharacterOverTheLimitIsShortened() {
        String repo = "r".repeat(44 - "arc-runner-acme-".length());
        String name = name("acme", repo, 1);
        assertTrue(name.length() <= SetNames.MAX_SET_NAME_LENGTH, name);
        assertNotEquals("arc-runner-acme-" + repo + "-1", name);
        assertTrue(name.endsWith("-1"), name);
    }

    @Test
    void namesNeverExceedFortyFiveCharactersAndStayDnsLabels() {
        List<String> owners = List.of("a", "acme", "Some-Long-Organisation-Name-0123456789ab");
        for (String owner : owners) {
            for (int length = 1; length <= 100; length++) {
                String repo = ("Repo.Name_" + "x".repeat(100)).substring(0, length);
                for (int instance : new int[] {1, 9, 10, 99, 100}) {
                    String name = name(owner, repo, instance);
                    assertTrue(name.length() <= SetNames.MAX_SET_NAME_LENGTH, name + " is " + name.length() + " chars");
                    assertTrue(DNS_LABEL.matcher(name).matches(), name + " is not a DNS label");
                    assertFalse(name.contains("--"), name);
                    assertTrue(name.endsWith("-" + instance), name + " lost its instance suffix");
                }
            }
        }
    }

    @Test
    void longNamesKeepTheInstanceSuffixAndTheStartOfThePrefix() {
        String repo = "a-really-long-repository-name-that-goes-on-and-on";
        for (int instance = 1; instance <= 100; instance++) {
            String name = name("acme", repo, instance);
            assertTrue(name.endsWith("-" + instance), name);
            assertTrue(name.startsWith("arc-runner-acme-a-really"), name);
            assertTrue(name.length() <= 45, name);
        }
    }

    @Test
    void longNamesAreDeterministic() {
        String repo = "a-really-long-repository-name-that-goes-on-and-on";
        assertEquals(name("acme", repo, 3), name("acme", repo, 3));
        assertEquals(SetNames.setName(SetNames.defaultPrefix("acme", repo), 3),
                SetNames.setName("arc-runner-acme-" + repo, 3));
    }

    @Test
    void longRepositoriesSharingTheirFirstFortyCharactersGetDifferentNames() {
        String common = "x".repeat(40);
        String first = name("acme", common + "-frontend", 1);
        String second = name("acme", common + "-backend", 1);
        assertNotEquals(first, second);
        assertTrue(first.length() <= 45 && second.length() <= 45);

        // many repositories differing only at the very end
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            names.add(name("acme", common + "-service-" + i, 1));
        }
        assertEquals(200, names.size());
    }

    @Test
    void instancesOfOneLongRepositoryAreDistinct() {
        String repo = "y".repeat(60);
        Set<String> names = new HashSet<>();
        for (int instance = 1; instance <= 100; instance++) {
            names.add(name("acme", repo, instance));
        }
        assertEquals(100, names.size());
    }

    @Test
    void installationNameReplacesTheDefaultPrefix() throws InvalidFleetConfigException {
        assertEquals("tools-3", SetNames.setName("tools", 3));
        FleetConfig config = new FleetConfigParser().parse("""
                repositories:
                  - name: acme/widgets
                    installationName: tools
                    instances: 2
                """);
        List<String> names = config.runnerSets().stream().map(RunnerSet::name).toList();
        assertEquals(List.of("tools-1", "tools-2"), names);
        assertEquals("tools", config.repositories().get(0).setNamePrefix());
    }

    @Test
    void longInstallationNameIsShortenedToo() {
        String installation = "i".repeat(63);
        String name = SetNames.setName(installation, 7);
        assertTrue(name.length() <= 45, name);
        assertTrue(name.startsWith("iiii"), name);
        assertTrue(name.endsWith("-7"), name);
    }
}

package dev.arcfleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.arcfleet.chart.ContainerMode;

class FleetConfigParserTest {

    private final FleetConfigParser parser = new FleetConfigParser();

    private FleetConfig parse(String yaml) {
        try {
            return parser.parse(yaml);
        } catch (InvalidFleetConfigException e) {
            return fail("expected a valid config, got: " + e.problems());
        }
    }

    private List<String> problems(String yaml) {
        InvalidFleetConfigException e = assertThrows(InvalidFleetConfigException.class, () -> parser.parse(yaml));
        assertFalse(e.problems().isEmpty(), "an exception without problems");
        return e.problems();
    }

    /** Exactly one problem is reported and it contains every fragment. */
    private String singleProblem(String yaml, String... fragments) {
        List<String> problems = problems(yaml);
        assertEquals(1, problems.size(), "expected exactly one problem, got " + problems);
        assertContainsAll(problems.get(0), fragments);
        return problems.get(0);
    }

    private static void assertContainsAll(String message, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "'" + message + "' should contain '" + fragment + "'");
        }
    }

    private static void assertSomeProblem(List<String> problems, String... fragments) {
        boolean found = problems.stream().anyMatch(problem -> {
            for (String fragment : fragments) {
                if (!problem.contains(fragment)) {
                    return false;
                }
            }
            return true;
        });
        assertTrue(found, "no problem contains all of " + List.of(fragments) + " in " + problems);
    }

    private static RepositoryConfig repository(FleetConfig config, String fullName) {
        return config.repositories().stream().filter(r -> r.fullName().equals(fullName)).findFirst()
                .orElseGet(() -> fail("no repository " + fullName + " in " + config.repositories()));
    }

    // ---------------------------------------------------------------- valid configurations

    @Test
    void fullExampleAppliesDefaultsAndPerRepositoryFields() {
        FleetConfig config = parse("""
                defaults:
                  instances: 2
                  minRunners: 1
                  maxRunners: 5
                  containerMode: dind
                  runnerImage: registry.example.com/runner:2.320.0
                  runnerGroup: builders
                  githubConfigSecret: shared-github
                  workVolumeClaimTemplate:
                    storageClassName: fast-ssd
                    accessModes: [ReadWriteOnce]
                    storage: 20Gi
                repositories:
                  - name: Acme/Widgets
                  - name: acme/gadgets
                    instances: 1
                    minRunners: 0
                    maxRunners: 3
                    containerMode: kubernetes
                    runnerImage: ghcr.io/acme/runner:1
                    runnerGroup: gadgets
                    githubConfigSecret: gadgets-github
                    workVolumeClaimTemplate:
                      storage: 50Gi
                  - name: acme/tools
                    installationName: tools
                    containerMode: kubernetes-novolume
                    workVolumeClaimTemplate:
                      storageClassName: slow
                      accessModes: [ReadWriteMany]
                """);

        assertEquals(3, config.repositories().size());
        assertEquals(List.of("Acme/Widgets", "acme/gadgets", "acme/tools"),
                config.repositories().stream().map(RepositoryConfig::fullName).toList());

        RepositoryConfig widgets = repository(config, "Acme/Widgets");
        assertEquals("Acme", widgets.owner());
        assertEquals("Widgets", widgets.repo());
        assertEquals(2, widgets.instances());
        assertEquals(1, widgets.minRunners());
        assertEquals(Optional.of(5), widgets.maxRunners());
        assertEquals(ContainerMode.DIND, widgets.containerMode());
        assertEquals("registry.example.com/runner:2.320.0", widgets.runnerImage());
        assertEquals(Optional.of("builders"), widgets.runnerGroup());
        assertEquals(Optional.of("shared-github"), widgets.githubConfigSecret());
        assertEquals(new WorkVolumeClaim(Optional.of("fast-ssd"), List.of("ReadWriteOnce"), "20Gi"),
                widgets.workVolumeClaimTemplate());
        assertEquals("arc-runner-Acme-Widgets", widgets.setNamePrefix());

        RepositoryConfig gadgets = repository(config, "acme/gadgets");
        assertEquals(1, gadgets.instances());
        assertEquals(0, gadgets.minRunners());
        assertEquals(Optional.of(3), gadgets.maxRunners());
        assertEquals(ContainerMode.KUBERNETES, gadgets.containerMode());
        assertEquals("ghcr.io/acme/runner:1", gadgets.runnerImage());
        assertEquals(Optional.of("gadgets"), gadgets.runnerGroup());
        assertEquals(Optional.of("gadgets-github"), gadgets.githubConfigSecret());
        // merged per field: storage from the repository, the rest from defaults
        assertEquals(new WorkVolumeClaim(Optional.of("fast-ssd"), List.of("ReadWriteOnce"), "50Gi"),
                gadgets.workVolumeClaimTemplate());

        RepositoryConfig tools = repository(config, "acme/tools");
        assertEquals(2, tools.instances());
        assertEquals(1, tools.minRunners());
        assertEquals(Optional.of(5), tools.maxRunners());
        assertEquals(ContainerMode.KUBERNETES_NOVOLUME, tools.containerMode());
        assertEquals("tools", tools.setNamePrefix());
        assertEquals(new WorkVolumeClaim(Optional.of("slow"), List.of("ReadWriteMany"), "20Gi"),
                tools.workVolumeClaimTemplate());

        List<String> setNames = config.runnerSets().stream().map(RunnerSet::name).toList();
        assertEquals(List.of("arc-runner-acme-widgets-1", "arc-runner-acme-widgets-2", "arc-runner-acme-gadgets-1",
                "tools-1", "tools-2"), setNames);
        RunnerSet second = config.runnerSets().get(1);
        assertEquals(2, second.instance());
        assertEquals(widgets, second.repository());
    }

    @Test
    void builtInDefaultsApplyWhenNothingIsSet() {
        FleetConfig config = parse("""
                repositories:
                  - name: acme/widgets
                """);
        RepositoryConfig widgets = config.repositories().get(0);
        assertEquals("acme", widgets.owner());
        assertEquals("widgets", widgets.repo());
        assertEquals(1, widgets.instances());
        assertEquals(0, widgets.minRunners());
        assertEquals(Optional.of(1), widgets.maxRunners());
        assertEquals(ContainerMode.KUBERNETES, widgets.containerMode());
        assertEquals("ghcr.io/actions/actions-runner:latest", widgets.runnerImage());
        assertEquals(Optional.empty(), widgets.runnerGroup());
        assertEquals(Optional.empty(), widgets.githubConfigSecret());
        assertEquals(new WorkVolumeClaim(Optional.empty(), List.of("ReadWriteOnce"), "10Gi"),
                widgets.workVolumeClaimTemplate());
        assertEquals(List.of("arc-runner-acme-widgets-1"), config.runnerSets().stream().map(RunnerSet::name).toList());
    }

    @Test
    void workVolumeClaimTemplateInDefaultsMergesWithBuiltInDefaults() {
        FleetConfig config = parse("""
                defaults:
                  workVolumeClaimTemplate:
                    storageClassName: fast-ssd
                repositories:
                  - name: acme/widgets
                  - name: acme/gadgets
                    workVolumeClaimTemplate:
                      accessModes: [ReadWriteOncePod]
                """);
        assertEquals(new WorkVolumeClaim(Optional.of("fast-ssd"), List.of("ReadWriteOnce"), "10Gi"),
                repository(config, "acme/widgets").workVolumeClaimTemplate());
        assertEquals(new WorkVolumeClaim(Optional.of("fast-ssd"), List.of("ReadWriteOncePod"), "10Gi"),
                repository(config, "acme/gadgets").workVolumeClaimTemplate());
    }

    /** The chart renders no maxRunners for a null one, and ARC then sets no limit; arcfleet's default stays 1. */
    /** keyVault is the one chart value arcfleet does not support: the user learns why, not that the key is unknown. */
    @Test
    void keyVaultIsRefusedWithTheReason() {
        singleProblem("""
                repositories:
                  - name: acme/tools
                    keyVault: {type: azure_key_vault}
                """, "repository acme/tools: keyVault: not supported: arcfleet reads credentials from Kubernetes Secrets only");
    }

    @Test
    void maxRunnersNullMeansNoLimit() {
        FleetConfig config = parse("""
                defaults:
                  minRunners: 5
                  maxRunners: null
                repositories:
                  - name: acme/tools
                  - name: acme/web
                    maxRunners: 7
                """);

        assertEquals(Optional.empty(), repository(config, "acme/tools").maxRunners());
        assertEquals(Optional.of(7), repository(config, "acme/web").maxRunners());
        assertEquals(Optional.of(1), parse("repositories:\n  - name: acme/api\n").repositories().get(0).maxRunners());
    }

    @Test
    void setsAreNamedFromFirstIndexOrAsListed() {
        FleetConfig config = parse("""
                defaults:
                  firstIndex: 0
                repositories:
                  - name: acme/tools
                    instances: 3
                  - name: acme/web
                    firstIndex: 1
                    instances: 2
                  - name: acme/quickstart
                    sets: [arc-runner-set, arc-runner-acme-svc-42]
                """);

        assertEquals(List.of("arc-runner-acme-tools-0", "arc-runner-acme-tools-1", "arc-runner-acme-tools-2",
                "arc-runner-acme-web-1", "arc-runner-acme-web-2", "arc-runner-set", "arc-runner-acme-svc-42"),
                config.runnerSets().stream().map(RunnerSet::name).toList());
        assertEquals(List.of(1, 2, 3, 1, 2, 1, 2), config.runnerSets().stream().map(RunnerSet::instance).toList(),
                "instances are positions, whatever the names");
        assertEquals(2, repository(config, "acme/quickstart").instances());
    }

    @Test
    void setsAndFirstIndexAreChecked() {
        List<String> problems = problems("""
                repositories:
                  - name: acme/tools
                    firstIndex: 2
                  - name: acme/web
                    sets: [Web, web-a, web-a]
                    instances: 3
                  - name: acme/api
                    sets: []
                """);

        assertSomeProblem(problems, "repository acme/tools: firstIndex: must be 0 or 1, got 2");
        assertSomeProblem(problems, "repository acme/web: sets:", "'Web'");
        assertSomeProblem(problems, "repository acme/web: sets: names 'web-a' twice");
        assertSomeProblem(problems, "repository acme/web: instances: has no effect beside sets");
        assertSomeProblem(problems, "repository acme/api: sets: must name 1 to 100 sets");
    }

    @Test
    void emptyRepositoriesListIsValidAndEmpty() {
        FleetConfig config = parse("repositories: []\n");
        assertTrue(config.repositories().isEmpty());
        assertTrue(config.runnerSets().isEmpty());

        FleetConfig withDefaults = parse("""
                defaults:
                  maxRunners: 4
                repositories: []
                """);
        assertTrue(withDefaults.repositories().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "10Gi", "500Mi", "1.5Gi", "10G", "1e3", "0.5Ti", "100k"})
    void wellFormedStorageQuantitiesAreAccepted(String storage) {
        FleetConfig config = parse("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      storage: "%s"
                """.formatted(storage));
        assertEquals(storage, config.repositories().get(0).workVolumeClaimTemplate().storage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 100})
    void instancesAtTheBoundsAreAccepted(int instances) {
        FleetConfig config = parse("""
                repositories:
                  - name: acme/widgets
                    instances: %d
                """.formatted(instances));
        assertEquals(instances, config.runnerSets().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"acme/widgets", "a/b", "Acme-Corp/my.repo_name-2", "acme/.github", "a1/..x"})
    void validRepositoryNamesAreAccepted(String name) {
        FleetConfig config = parse("repositories:\n  - name: \"" + name + "\"\n");
        assertEquals(name, config.repositories().get(0).fullName());
    }

    // ---------------------------------------------------------------- rejections

    @ParameterizedTest
    @ValueSource(strings = {"repositories: [", "repositories: [a, b\n", "repositories: a: b\n", "repositories: {a: [}\n",
            "repositories:\n\t- name: a/b\n", "\"unterminated\n"})
    void invalidYamlIsRejected(String yaml) {
        singleProblem(yaml, "not valid YAML");
    }

    @ParameterizedTest
    @ValueSource(strings = {"- a\n- b\n", "just a string\n", "42\n", ""})
    void documentThatIsNotAMappingIsRejected(String yaml) {
        List<String> problems = problems(yaml);
        assertSomeProblem(problems, "repositories");
    }

    @Test
    void missingRepositoriesIsRejected() {
        singleProblem("""
                defaults:
                  maxRunners: 2
                """, "repositories", "required");
    }

    @Test
    void nullRepositoriesIsRejected() {
        singleProblem("repositories:\n", "repositories", "required");
    }

    @Test
    void repositoriesThatIsNotAListIsRejected() {
        singleProblem("repositories:\n  name: acme/widgets\n", "repositories", "must be a list");
    }

    @Test
    void repositoryEntryThatIsNotAMappingIsRejected() {
        singleProblem("repositories:\n  - acme/widgets\n", "repositories[0]");
    }

    @Test
    void unknownTopLevelKeyIsRejected() {
        singleProblem("""
                repositories: []
                default:
                  maxRunners: 3
                """, "default:", "unknown key");
    }

    @Test
    void misspelledRepositoriesIsRejectedAndMissingRepositoriesReported() {
        List<String> problems = problems("""
                repository:
                  - name: acme/widgets
                """);
        assertSomeProblem(problems, "repository:", "unknown key");
        assertSomeProblem(problems, "repositories:", "required");
    }

    @Test
    void unknownKeyInDefaultsIsRejected() {
        singleProblem("""
                defaults:
                  maxRunner: 3
                repositories: []
                """, "defaults", "maxRunner", "unknown key");
    }

    @Test
    void unknownKeyInRepositoryIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    maxRunner: 3
                """, "acme/widgets", "maxRunner", "unknown key");
    }

    @Test
    void unknownKeyInRepositoryWithoutValidNameStillNamesTheEntry() {
        List<String> problems = problems("""
                repositories:
                  - nme: acme/widgets
                """);
        assertSomeProblem(problems, "repositories[0]", "nme", "unknown key");
        assertSomeProblem(problems, "repositories[0]", "name", "required");
    }

    @Test
    void unknownKeyInRepositoryWorkVolumeClaimTemplateIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      maxRunner: 3
                """, "acme/widgets", "workVolumeClaimTemplate", "maxRunner", "unknown key");
    }

    @Test
    void unknownKeyInDefaultsWorkVolumeClaimTemplateIsRejected() {
        List<String> problems = problems("""
                defaults:
                  workVolumeClaimTemplate:
                    size: 10Gi
                repositories: []
                """);
        assertSomeProblem(problems, "defaults", "workVolumeClaimTemplate", "size", "unknown key");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "instances: \"3\"          | instances",
            "instances: 2.5            | instances",
            "instances: 99999999999    | instances",
            "maxRunners: true          | maxRunners",
            "minRunners: \"0\"         | minRunners",
            "maxRunners: [3]           | maxRunners",
            "containerMode: 3          | containerMode",
            "runnerImage: [a, b]       | runnerImage",
            "runnerGroup: {a: b}       | runnerGroup",
            "githubConfigSecret: 12    | githubConfigSecret",
            "installationName: 7       | installationName",
            "workVolumeClaimTemplate: big | workVolumeClaimTemplate",
            "workVolumeClaimTemplate: {storage: 10}  | storage",
            "workVolumeClaimTemplate: {accessModes: ReadWriteOnce}  | accessModes",
            "workVolumeClaimTemplate: {accessModes: [1]}  | accessModes",
            "workVolumeClaimTemplate: {storageClassName: true}  | storageClassName",
    })
    void wrongTypesInRepositoryAreRejected(String field, String key) {
        singleProblem("repositories:\n  - name: acme/widgets\n    " + field + "\n", "acme/widgets", key + ":", "must be");
    }

    @Test
    void wrongTypesInDefaultsAreRejected() {
        List<String> problems = problems("""
                defaults:
                  instances: "3"
                  maxRunners: true
                repositories: []
                """);
        assertSomeProblem(problems, "defaults", "instances", "must be an integer");
        assertSomeProblem(problems, "defaults", "maxRunners", "must be an integer");
    }

    @Test
    void defaultsThatIsNotAMappingIsRejected() {
        singleProblem("defaults: [1]\nrepositories: []\n", "defaults", "must be a mapping");
    }

    @ParameterizedTest
    @ValueSource(strings = {"widgets", "acme/widgets/extra", "/widgets", "acme/", "/", "-acme/widgets", "acme-/widgets",
            "ac me/widgets", "acme/wid gets", "acme/..", "acme/.", "acme_corp/widgets", "acme//widgets",
            "https://github.com/acme/widgets", "acme/widgets?", "acme/wid:gets"})
    void nameThatIsNotOwnerSlashRepoIsRejected(String name) {
        singleProblem("repositories:\n  - name: \"" + name + "\"\n", "repository " + name + ":", "name:",
                "'" + name + "'");
    }

    @Test
    void ownerLongerThanGithubAllowsIsRejected() {
        String owner = "o".repeat(40);
        singleProblem("repositories:\n  - name: " + owner + "/widgets\n", owner + "/widgets", "name:");
    }

    @Test
    void emptyNameIsRejected() {
        singleProblem("repositories:\n  - name: \"\"\n", "name:", "owner/repo");
    }

    @Test
    void missingNameIsRejected() {
        singleProblem("repositories:\n  - maxRunners: 2\n", "repositories[0]", "name", "required");
    }

    @Test
    void nonStringNameIsRejected() {
        singleProblem("repositories:\n  - name: 42\n", "repositories[0]", "name", "must be a string");
    }

    @Test
    void duplicateRepositoryIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                  - name: acme/widgets
                """, "acme/widgets", "name:", "duplicate");
    }

    @Test
    void duplicateRepositoryDifferingOnlyInCaseIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                  - name: ACME/Widgets
                    maxRunners: 3
                """, "ACME/Widgets", "name:", "duplicate", "acme/widgets");
    }

    @ParameterizedTest
    @CsvSource({"a/b.c, a/b-c", "a/b_c, a/b.c", "a/b--c, a/b-c", "a-b/c, a/b-c"})
    void repositoriesDerivingTheSameSetNameAreRejected(String first, String second) {
        singleProblem("repositories:\n  - name: " + first + "\n  - name: " + second + "\n",
                second, "arc-runner-a-b-c-1", first, "installationName");
    }

    @Test
    void sameInstallationNameTwiceIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    installationName: shared
                  - name: acme/gadgets
                    installationName: shared
                """, "acme/gadgets", "shared-1", "acme/widgets");
    }

    @Test
    void installationNameCollidingWithDerivedNameIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    instances: 2
                  - name: acme/gadgets
                    installationName: arc-runner-acme-widgets
                """, "acme/gadgets", "arc-runner-acme-widgets-1", "acme/widgets");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Tools", "tools_x", "-tools", "tools-", "to.ols", ""})
    void installationNameThatIsNotADnsLabelIsRejected(String installationName) {
        singleProblem("repositories:\n  - name: acme/widgets\n    installationName: \"" + installationName + "\"\n",
                "acme/widgets", "installationName:");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 101, -1})
    void instancesOutOfRangeAreRejected(int instances) {
        singleProblem("repositories:\n  - name: acme/widgets\n    instances: " + instances + "\n",
                "repository acme/widgets:", "instances:", "between 1 and 100", Integer.toString(instances));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 101})
    void instancesOutOfRangeInDefaultsAreRejected(int instances) {
        List<String> problems = problems("defaults:\n  instances: " + instances + "\nrepositories: []\n");
        assertSomeProblem(problems, "defaults", "instances:", "between 1 and 100");
    }

    @Test
    void minRunnersAboveMaxRunnersIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    minRunners: 4
                    maxRunners: 2
                """, "acme/widgets", "minRunners", "maxRunners", "4 > 2");
    }

    @Test
    void minRunnersAboveDefaultMaxRunnersIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    minRunners: 2
                """, "acme/widgets", "minRunners", "2 > 1");
    }

    @Test
    void negativeRunnerCountsAreRejected() {
        List<String> problems = problems("""
                repositories:
                  - name: acme/widgets
                    maxRunners: -1
                    minRunners: -2
                """);
        assertSomeProblem(problems, "acme/widgets", "maxRunners", "between 0 and 1000, got -1");
        assertSomeProblem(problems, "acme/widgets", "minRunners", "between 0 and 1000, got -2");
    }

    @Test
    void absurdRunnerCountsAreRejected() {
        List<String> problems = problems("""
                repositories:
                  - name: acme/widgets
                    maxRunners: 100000
                """);
        assertSomeProblem(problems, "acme/widgets", "maxRunners", "between 0 and 1000, got 100000");
    }

    @Test
    void moreSetsThanTheLimitAreRefusedBeforeTheyAreBuilt() {
        StringBuilder yaml = new StringBuilder("defaults: {instances: 100}\nrepositories:\n");
        for (int i = 0; i < 2000; i++) {
            yaml.append("  - name: acme/repo-").append(i).append('\n');
        }
        long started = System.nanoTime();
        InvalidFleetConfigException refused = assertThrows(InvalidFleetConfigException.class,
                () -> new FleetConfigParser(1000).parse(yaml.toString()));
        assertTrue(refused.getMessage().contains("describes 200000 runner sets, more than arcfleet.max-sets (1000)"),
                refused.getMessage());
        assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(2),
                "refused without building 200,000 sets");
    }

    @Test
    void anOversizedFileIsRefusedUnread() {
        String huge = "repositories: []\n#" + "x".repeat(FleetConfigParser.MAX_TEXT_CHARACTERS);
        InvalidFleetConfigException refused = assertThrows(InvalidFleetConfigException.class, () -> parser.parse(huge));
        assertTrue(refused.getMessage().contains("more than the " + FleetConfigParser.MAX_TEXT_CHARACTERS), refused.getMessage());
    }

    @Test
    void unknownContainerModeIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    containerMode: docker
                """, "acme/widgets", "containerMode", "'docker'", "kubernetes", "kubernetes-novolume", "dind");
    }

    @Test
    void containerModeIsCaseSensitive() {
        singleProblem("repositories:\n  - name: acme/widgets\n    containerMode: Kubernetes\n",
                "acme/widgets", "containerMode", "'Kubernetes'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10 Gi", "ten", "0", "0Gi", "0.0", "-1Gi", "10GB", "10gi", "Gi", "", " 10Gi", "10Gi "})
    void malformedStorageIsRejected(String storage) {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      storage: "%s"
                """.formatted(storage), "acme/widgets", "workVolumeClaimTemplate", "storage", "'" + storage + "'");
    }

    @Test
    void malformedStorageInDefaultsIsRejected() {
        List<String> problems = problems("""
                defaults:
                  workVolumeClaimTemplate:
                    storage: ten
                repositories: []
                """);
        assertSomeProblem(problems, "defaults", "workVolumeClaimTemplate", "storage", "'ten'");
    }

    @Test
    void unknownAccessModeIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      accessModes: [ReadWriteSometimes]
                """, "acme/widgets", "accessModes", "ReadWriteSometimes");
    }

    @Test
    void emptyAccessModesIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      accessModes: []
                """, "acme/widgets", "accessModes");
    }

    @Test
    void invalidStorageClassNameIsRejected() {
        singleProblem("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      storageClassName: Fast_SSD
                """, "acme/widgets", "storageClassName", "Fast_SSD");
    }

    @Test
    void emptyRunnerImageAndRunnerGroupAreRejected() {
        List<String> problems = problems("""
                repositories:
                  - name: acme/widgets
                    runnerImage: ""
                    runnerGroup: " "
                """);
        assertSomeProblem(problems, "acme/widgets", "runnerImage");
        assertSomeProblem(problems, "acme/widgets", "runnerGroup");
    }

    @Test
    void invalidGithubConfigSecretNameIsRejected() {
        singleProblem("repositories:\n  - name: acme/widgets\n    githubConfigSecret: My_Secret\n",
                "acme/widgets", "githubConfigSecret", "My_Secret");
    }

    @Test
    void duplicateTopLevelKeyIsRejected() {
        List<String> problems = problems("""
                repositories: []
                repositories:
                  - name: acme/widgets
                """);
        assertSomeProblem(problems, "repositories");
        assertSomeProblem(problems, "uplicate");
    }

    @Test
    void duplicateKeyInRepositoryIsRejected() {
        List<String> problems = problems("""
                repositories:
                  - name: acme/widgets
                    maxRunners: 2
                    maxRunners: 5
                """);
        assertSomeProblem(problems, "maxRunners", "uplicate");
    }

    @Test
    void duplicateKeyInWorkVolumeClaimTemplateIsRejected() {
        List<String> problems = problems("""
                repositories:
                  - name: acme/widgets
                    workVolumeClaimTemplate:
                      storage: 10Gi
                      storage: 20Gi
                """);
        assertSomeProblem(problems, "storage", "uplicate");
    }

    @Test
    void severalProblemsAreAllReportedAtOnce() {
        List<String> problems = problems("""
                defaults:
                  maxRunner: 3
                repositories:
                  - name: acme/widgets
                    instances: 0
                  - name: not-a-repository
                  - name: acme/gadgets
                    containerMode: docker
                    maxRunners: true
                    workVolumeClaimTemplate:
                      storage: 10 Gi
                  - name: acme/tools
                    minRunners: 3
                    maxRunners: 1
                  - name: acme/ok
                  - name: ACME/OK
                extra: true
                """);
        assertSomeProblem(problems, "defaults", "maxRunner", "unknown key");
        assertSomeProblem(problems, "extra", "unknown key");
        assertSomeProblem(problems, "acme/widgets", "instances");
        assertSomeProblem(problems, "not-a-repository", "name");
        assertSomeProblem(problems, "acme/gadgets", "containerMode", "docker");
        assertSomeProblem(problems, "acme/gadgets", "maxRunners", "must be an integer");
        assertSomeProblem(problems, "acme/gadgets", "storage", "10 Gi");
        assertSomeProblem(problems, "acme/tools", "minRunners");
        assertSomeProblem(problems, "ACME/OK", "duplicate");
        assertTrue(problems.size() >= 9, problems.toString());
    }

    @Test
    void exceptionMessageJoinsAllProblems() {
        InvalidFleetConfigException e = assertThrows(InvalidFleetConfigException.class, () -> parser.parse("""
                repositories:
                  - name: acme/widgets
                    instances: 0
                  - name: acme/gadgets
                    containerMode: docker
                """));
        assertEquals(2, e.problems().size(), e.problems().toString());
        for (String problem : e.problems()) {
            assertTrue(e.getMessage().contains(problem), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- cachePaths and maxCacheSize

    private static String withCaches(String cachePaths) {
        return "repositories:\n  - name: a/b\n    cachePaths: " + cachePaths + "\n";
    }

    /** Exactly one problem, which starts with {@code prefix} (repository and field) and contains every fragment. */
    private String singleProblemAt(String yaml, String prefix, String... fragments) {
        String problem = singleProblem(yaml, fragments);
        assertTrue(problem.startsWith(prefix), "'" + problem + "' should start with '" + prefix + "'");
        return problem;
    }

    @Test
    void builtInCacheIsOneCacheInTheRunnersHome() {
        RepositoryConfig repository = parse("repositories:\n  - name: a/b\n").repositories().get(0);
        assertEquals(List.of(new CachePath("cache", "/home/runner/cache")), repository.cachePaths());
        assertEquals(Optional.empty(), repository.maxCacheSizeBytes());
    }

    @Test
    void cachePathsAndMaxCacheSizeFromDefaultsApplyAndARepositoryListReplacesThem() {
        FleetConfig config = parse("""
                defaults:
                  cachePaths:
                    - name: gradle
                      path: /home/runner/.gradle
                    - name: npm
                      path: /home/runner/.npm
                  maxCacheSize: 20Gi
                repositories:
                  - name: acme/widgets
                  - name: acme/gadgets
                    cachePaths:
                      - name: nix
                        path: /nix/var/cache
                    maxCacheSize: 512Mi
                  - name: acme/tools
                    cachePaths: [{name: cache, path: /home/runner/cache}]
                """);
        RepositoryConfig widgets = repository(config, "acme/widgets");
        assertEquals(List.of(new CachePath("gradle", "/home/runner/.gradle"), new CachePath("npm", "/home/runner/.npm")),
                widgets.cachePaths());
        assertEquals(Optional.of(20L * 1024 * 1024 * 1024), widgets.maxCacheSizeBytes());
        // replaced as a whole, not merged with the defaults' list
        RepositoryConfig gadgets = repository(config, "acme/gadgets");
        assertEquals(List.of(new CachePath("nix", "/nix/var/cache")), gadgets.cachePaths());
        assertEquals(Optional.of(512L * 1024 * 1024), gadgets.maxCacheSizeBytes());
        RepositoryConfig tools = repository(config, "acme/tools");
        assertEquals(List.of(new CachePath("cache", "/home/runner/cache")), tools.cachePaths());
        assertEquals(Optional.of(20L * 1024 * 1024 * 1024), tools.maxCacheSizeBytes());
        // every instance of a repository shares its repository's caches
        config.runnerSets().forEach(set -> assertEquals(set.repository().cachePaths(),
                repository(config, set.repository().fullName()).cachePaths()));
    }

    @Test
    void repositoryCacheListIsKeptInOrderAndIsImmutable() {
        RepositoryConfig repository = parse(withCaches(
                "[{name: z, path: /opt/z}, {name: a, path: /opt/a}, {name: m, path: /home/runner/m}]")).repositories().get(0);
        assertEquals(List.of(new CachePath("z", "/opt/z"), new CachePath("a", "/opt/a"), new CachePath("m", "/home/runner/m")),
                repository.cachePaths());
        assertThrows(UnsupportedOperationException.class, () -> repository.cachePaths().add(new CachePath("x", "/x")));
    }

    @ParameterizedTest
    @CsvSource({
            "/home/runner/.npm/, /home/runner/.npm",
            "/home/runner/.npm//, /home/runner/.npm",
            "/opt/cache///, /opt/cache",
            "/opt/cache, /opt/cache"})
    void trailingSlashesOfACachePathAreRemoved(String written, String stored) {
        FleetConfig config = parse(withCaches("[{name: c, path: \"" + written + "\"}]"));
        assertEquals(List.of(new CachePath("c", stored)), config.repositories().get(0).cachePaths());
        FleetConfig inDefaults = parse("defaults:\n  cachePaths: [{name: c, path: \"" + written + "\"}]\nrepositories:\n  - name: a/b\n");
        assertEquals(List.of(new CachePath("c", stored)), inDefaults.repositories().get(0).cachePaths());
    }

    /** Near the forbidden paths, but neither one of them nor under one. */
    @ParameterizedTest
    @ValueSource(strings = {"/home/runner/cache", "/home/runner/.cache/pip", "/home/runner/_work2", "/home/runner/_workspace",
            "/home/runners", "/homes", "/var/cache/apt", "/var/runner-cache", "/var/lib/docker-cache", "/nix/var/cache",
            "/nix/store-cache", "/nixcache", "/runner-cache", "/usr-cache", "/etcetera", "/devcache", "/library", "/opt/hostedtoolcache",
            "/cache", "/home/runner/..cache", "/home/runner/.../x", "/home/runner/cache.d", "/home/runner/.cache",
            "/home/runner/k8s-cache", "/home/runner/externals-cache", "/home/runner/bin2", "/home/runner/_diagnostics",
            "/home/runner/pod-templates", "/home/runner/.runner-cache", "/home/runner/run.sh.d", "/__work", "/__tools",
            "/github-cache", "/opt/github", "/home/runner/github"})
    void cachePathsNearForbiddenOnesAreAccepted(String path) {
        FleetConfig config = parse(withCaches("[{name: c, path: \"" + path + "\"}]"));
        assertEquals(List.of(new CachePath("c", path)), config.repositories().get(0).cachePaths());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "nix", "tool-cache", "c0", "0", "a-b-c"})
    void dnsLabelCacheNamesAreAccepted(String name) {
        FleetConfig config = parse(withCaches("[{name: \"" + name + "\", path: /opt/c}]"));
        assertEquals(name, config.repositories().get(0).cachePaths().get(0).name());
    }

    @Test
    void longestCacheNameThatStillMakesAVolumeNameIsAccepted() {
        String name = "c".repeat(57); // "cache-" + 57 = 63, the longest volume name
        assertEquals(name, parse(withCaches("[{name: " + name + ", path: /opt/c}]")).repositories().get(0).cachePaths().get(0).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Nix", "nix_cache", "-nix", "nix-", "nix.cache", "", " nix", "ca che"})
    void cacheNameThatIsNotADnsLabelIsRejected(String name) {
        singleProblemAt(withCaches("[{name: gradle, path: /opt/gradle}, {name: \"" + name + "\", path: /opt/c}]"),
                "repository a/b: cachePaths[1].name: ", "DNS label", "'" + name + "'");
    }

    @Test
    void cacheNameLongerThanADnsLabelIsRejected() {
        String name = "c".repeat(64);
        singleProblemAt(withCaches("[{name: " + name + ", path: /opt/c}]"), "repository a/b: cachePaths[0].name: ", name);
    }

    /**
     * The renderer names the volume {@code cache-<name>}, which must be a DNS label of at most 63 characters,
     * so a name of 58 to 63 characters passes as a DNS label but gives a pod template the API server rejects.
     */
    @ParameterizedTest
    @ValueSource(ints = {58, 63})
    void cacheNameTooLongForItsVolumeNameIsRejected(int length) {
        String name = "c".repeat(length);
        singleProblemAt(withCaches("[{name: " + name + ", path: /opt/c}]"), "repository a/b: cachePaths[0].name: ", name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cache", "home/runner/cache", "./cache", "../cache", "~/cache", ""})
    void relativeCachePathIsRejected(String path) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ",
                "absolute", "'" + path + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/home/runner/../etc", "/home/runner/./cache", "/home/runner/cache/..", "/home/runner/cache/../",
            "/..", "/../opt", "/./opt", "/opt/./cache/"})
    void cachePathWithDotSegmentsIsRejected(String path) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ",
                "'.' or '..'");
    }

    /** A trailing {@code /.} names the directory itself: {@code /home/runner/.} is {@code /home/runner}. */
    @ParameterizedTest
    @ValueSource(strings = {"/home/runner/cache/.", "/home/runner/.", "/home/.", "/.", "/opt/cache/./"})
    void cachePathEndingInADotSegmentIsRejected(String path) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/home", "/home/", "/home/runner", "/home/runner/", "/home/runner//", "/var", "/var/"})
    void cachePathThatWouldHideTheRunnerImageIsRejected(String path) {
        String normalized = path.length() > 1 ? path.replaceAll("/+$", "") : path;
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ",
                "'" + normalized + "'");
    }

    /** The issue's own example caches the whole Nix directory; only /nix/store, the image's store, is forbidden. */
    @ParameterizedTest
    @ValueSource(strings = {"/nix", "/nix/"})
    void cachePathOverNixIsAccepted(String path) throws InvalidFleetConfigException {
        RepositoryConfig repository = parser.parse(withCaches("[{name: nix, path: \"" + path + "\"}]")).repositories().get(0);
        assertEquals(List.of(new CachePath("nix", "/nix")), repository.cachePaths());
    }

    @ParameterizedTest
    @CsvSource({
            "/proc, /proc", "/proc/1, /proc", "/sys, /sys", "/sys/fs/cgroup, /sys", "/dev, /dev", "/dev/shm, /dev",
            "/etc, /etc", "/etc/ssl/certs, /etc", "/usr, /usr", "/usr/local/cache, /usr", "/bin, /bin", "/bin/x, /bin",
            "/sbin, /sbin", "/sbin/x, /sbin", "/lib, /lib", "/lib/x, /lib", "/lib64, /lib64", "/lib64/x, /lib64",
            "/boot, /boot", "/boot/efi, /boot", "/run, /run", "/run/secrets, /run", "/var/run, /var/run",
            "/var/run/docker, /var/run", "/nix/store, /nix/store", "/nix/store/abc-hello, /nix/store",
            "/etc/, /etc", "/nix/store/, /nix/store"})
    void cachePathOnOrUnderASystemPathIsRejected(String path, String root) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ",
                "'" + path.replaceAll("/+$", "") + "'", root);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/home/runner/_work", "/home/runner/_work/", "/home/runner/_work/cache", "/home/runner/_work/_tool"})
    void cachePathInTheRunnersWorkDirectoryIsRejected(String path) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ",
                "work directory");
    }

    /**
     * What the runner image, the container hooks and arcfleet's hook template need, each with its reason: the
     * runner's layout in /home/runner (actions/runner images/Dockerfile, HostContext), the hooks' job container
     * mounts (runner-container-hooks packages/k8s), docker mode's tool cache (the runner's ContainerInfo).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/home/runner/k8s | the container hooks of kubernetes mode",
            "/home/runner/k8s/index.js | the container hooks of kubernetes mode",
            "/home/runner/k8s-novolume | the container hooks of kubernetes-novolume mode",
            "/home/runner/externals | the runner's externals",
            "/home/runner/externals/node20 | the runner's externals",
            "/home/runner/bin | the runner's own programs",
            "/home/runner/_diag | where the runner writes its logs",
            "/home/runner/pod-template | where arcfleet mounts the hook template",
            "/home/runner/run.sh | a script of the runner",
            "/home/runner/safe_sleep.sh | a script of the runner",
            "/home/runner/.runner | a file the runner writes when it starts",
            "/home/runner/.credentials | a file the runner writes when it starts",
            "/__w | the job's work directory",
            "/__w/_temp | the job's work directory",
            "/__e | the runner's externals, which the container hooks mount",
            "/__t | the tool cache",
            "/github | the job's home, workflow and workspace",
            "/github/home | the job's home, workflow and workspace",
            "/github/workflow/ | the job's home, workflow and workspace"})
    void cachePathTheRunnerOrItsHooksNeedIsRejectedWithTheReason(String path, String why) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ",
                "'" + path.replaceAll("/+$", "") + "'", why, "would break every runner of the repository");
    }

    /** {@code /nix//store} is {@code /nix/store} to the kernel; repeated slashes must not get a path past the checks. */
    @ParameterizedTest
    @ValueSource(strings = {"/nix//store", "//etc/ssl", "/home//runner", "/var//run", "/home/runner//_work/x", "//"})
    void repeatedSlashesDoNotGetAForbiddenPathAccepted(String path) {
        singleProblemAt(withCaches("[{name: c, path: \"" + path + "\"}]"), "repository a/b: cachePaths[0].path: ");
    }

    @Test
    void duplicateCacheNameIsRejected() {
        singleProblemAt(withCaches("[{name: c, path: /opt/one}, {name: c, path: /opt/two}]"),
                "repository a/b: cachePaths[1].name: ", "duplicate", "'c'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/opt/cache", "/opt/cache/", "/opt/cache//"})
    void duplicateCachePathIsRejected(String second) {
        singleProblemAt(withCaches("[{name: one, path: /opt/cache}, {name: two, path: \"" + second + "\"}]"),
                "repository a/b: cachePaths[1].path: ", "duplicate", "'/opt/cache'");
    }

    @Test
    void cacheEntryWithoutNameOrPathIsRejected() {
        singleProblemAt(withCaches("[{name: ok, path: /opt/ok}, {path: /opt/c}]"), "repository a/b: cachePaths[1].name: ",
                "required");
        singleProblemAt(withCaches("[{name: ok, path: /opt/ok}, {name: c}]"), "repository a/b: cachePaths[1].path: ",
                "required");
    }

    @Test
    void unknownKeyInACacheEntryIsRejected() {
        singleProblemAt(withCaches("[{name: c, path: /opt/c, size: 10Gi}]"), "repository a/b: cachePaths[0].size: ",
                "unknown key", "name, path");
    }

    /** Like a repository's non-string name, a non-string cache field is one problem, not also "required". */
    @Test
    void nonStringCacheFieldsAreRejectedOnce() {
        singleProblemAt(withCaches("[{name: ok, path: /opt/ok}, {name: 7, path: /opt/c}]"),
                "repository a/b: cachePaths[1].name: ", "must be a string");
        singleProblemAt(withCaches("[{name: ok, path: /opt/ok}, {name: c, path: [/opt/c]}]"),
                "repository a/b: cachePaths[1].path: ", "must be a string");
    }

    @Test
    void cachePathsThatIsNotAListOfMappingsIsRejected() {
        singleProblemAt(withCaches("/home/runner/cache"), "repository a/b: cachePaths: ", "must be a list");
        singleProblemAt(withCaches("{name: c, path: /opt/c}"), "repository a/b: cachePaths: ", "must be a list");
        singleProblemAt(withCaches("[{name: ok, path: /opt/ok}, /opt/c]"), "repository a/b: cachePaths[1]: ", "must be a mapping");
    }

    @Test
    void emptyCachePathsIsRejected() {
        singleProblemAt(withCaches("[]"), "repository a/b: cachePaths: ", "at least one");
        singleProblemAt("defaults:\n  cachePaths: []\nrepositories: []\n", "defaults: cachePaths: ", "at least one");
    }

    @Test
    void cachePathProblemsInDefaultsNameTheDefaults() {
        List<String> problems = problems("""
                defaults:
                  cachePaths:
                    - name: ok
                      path: /home/runner/ok
                    - name: Bad
                      path: /etc/cache
                  maxCacheSize: lots
                repositories: []
                """);
        assertSomeProblem(problems, "defaults: cachePaths[1].name: ", "'Bad'");
        assertSomeProblem(problems, "defaults: cachePaths[1].path: ", "'/etc/cache'", "/etc");
        assertSomeProblem(problems, "defaults: maxCacheSize: ", "'lots'");
        assertEquals(3, problems.size(), problems.toString());
    }

    @Test
    void everyCacheProblemOfARepositoryIsReported() {
        List<String> problems = problems("""
                repositories:
                  - name: a/b
                    cachePaths:
                      - name: one
                        path: /home/runner/one
                      - name: one
                        path: /proc/x
                      - name: Two
                        path: /home/runner/one/
                    maxCacheSize: "0"
                """);
        assertSomeProblem(problems, "repository a/b: cachePaths[1].name: ", "duplicate");
        assertSomeProblem(problems, "repository a/b: cachePaths[1].path: ", "/proc");
        assertSomeProblem(problems, "repository a/b: cachePaths[2].name: ", "'Two'");
        assertSomeProblem(problems, "repository a/b: cachePaths[2].path: ", "duplicate");
        assertSomeProblem(problems, "repository a/b: maxCacheSize: ", "'0'");
        assertEquals(5, problems.size(), problems.toString());
    }

    @ParameterizedTest
    @CsvSource({"20Gi, 21474836480", "1, 1", "1k, 1000", "1Ki, 1024", "500Mi, 524288000", "1.5Gi, 1610612736", "1e3, 1000",
            "2G, 2000000000", "1Ti, 1099511627776", "+10Mi, 10485760"})
    void maxCacheSizeIsStoredInBytes(String quantity, long bytes) {
        FleetConfig config = parse("repositories:\n  - name: a/b\n    maxCacheSize: \"" + quantity + "\"\n");
        assertEquals(Optional.of(bytes), config.repositories().get(0).maxCacheSizeBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0Gi", "0.0", "0e3", "-1Gi", "-5", "ten", "10GB", "10gi", "10 Gi", " 10Gi", "Gi", "", "1.2.3"})
    void malformedOrZeroMaxCacheSizeIsRejected(String quantity) {
        singleProblemAt("repositories:\n  - name: a/b\n    maxCacheSize: \"" + quantity + "\"\n", "repository a/b: maxCacheSize: ",
                "positive", "'" + quantity + "'");
    }

    @Test
    void nonStringMaxCacheSizeIsRejected() {
        singleProblemAt("repositories:\n  - name: a/b\n    maxCacheSize: [20Gi]\n", "repository a/b: maxCacheSize: ",
                "must be a string");
    }

    /** Beyond what a long holds, the size must not wrap around into some smaller, arbitrary limit. */
    @ParameterizedTest
    @ValueSource(strings = {"9Ei", "17Ei", "20E", "100E", "1e30"})
    void maxCacheSizeBeyondALongIsRejectedOrSaturated(String quantity) {
        String yaml = "repositories:\n  - name: a/b\n    maxCacheSize: \"" + quantity + "\"\n";
        try {
            Optional<Long> bytes = parser.parse(yaml).repositories().get(0).maxCacheSizeBytes();
            assertEquals(Optional.of(Long.MAX_VALUE), bytes, quantity + " was stored as " + bytes);
        } catch (InvalidFleetConfigException e) {
            assertEquals(1, e.problems().size(), e.problems().toString());
            assertTrue(e.problems().get(0).startsWith("repository a/b: maxCacheSize: "), e.problems().toString());
        }
    }
}

package dev.arcfleet.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.demo.Demo;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A benchmark fleet of exactly {@code sets} runner sets: repositories {@code bench/repo-NNNN} of 3 instances
 * each, the last one of fewer when {@code sets} is not a multiple of 3, each with its own {@code maxRunners}
 * so that an edit can change one repository's sets alone.
 */
final class BenchFleet {

    static final int INSTANCES = 3;
    private final int sets;
    private final Map<String, Integer> maxRunners = new LinkedHashMap<>();

    BenchFleet(int sets) {
        this.sets = sets;
        int repositories = (sets + INSTANCES - 1) / INSTANCES;
        for (int i = 1; i <= repositories; i++) {
            maxRunners.put(String.format("bench/repo-%04d", i), 1);
        }
    }

    /** This fleet grown to {@code sets} by repositories after its own, which keep their values. */
    BenchFleet grownTo(int sets) {
        BenchFleet grown = new BenchFleet(sets);
        maxRunners.forEach(grown::maxRunners);
        return grown;
    }

    int sets() {
        return sets;
    }

    List<String> repositories() {
        return List.copyOf(maxRunners.keySet());
    }

    void maxRunners(String repository, int value) {
        maxRunners.replace(repository, value);
    }

    String yaml() {
        StringBuilder yaml = new StringBuilder("repositories:\n");
        int left = sets;
        for (Map.Entry<String, Integer> repository : maxRunners.entrySet()) {
            yaml.append("  - name: ").append(repository.getKey()).append('\n')
                    .append("    instances: ").append(Math.min(INSTANCES, left)).append('\n')
                    .append("    maxRunners: ").append(repository.getValue()).append('\n');
            left -= INSTANCES;
        }
        return yaml.toString();
    }

    List<RunnerSet> runnerSets() {
        try {
            return new FleetConfigParser(sets).parse(yaml()).runnerSets();
        } catch (InvalidFleetConfigException e) {
            throw new IllegalStateException("the benchmark's own repositories.yaml is invalid: " + e.getMessage(), e);
        }
    }

    /** The set names of one repository. */
    List<String> setNames(String repository) {
        return runnerSets().stream().filter(set -> set.repository().fullName().equals(repository)).map(RunnerSet::name).toList();
    }

    /**
     * Every object arcfleet applies for this fleet in {@code namespace}, by set, rendered as the daemon
     * renders it (the demo's ARC controller and token, default settings), Secrets included.
     */
    Map<String, List<HasMetadata>> renderBySet(String namespace, int kubernetesMinorVersion) {
        // Demo.launch leaves the GitHub URL, node root and ConfigMap name at their defaults, as these settings do.
        TestSettings defaults = new TestSettings(namespace);
        ClusterFacts facts = new ClusterFacts(namespace, defaults.github().url(), new ArcController(FleetFixture.ARC_VERSION,
                ArcFixtures.CONTROLLER_SERVICE_ACCOUNT, Demo.CONTROLLER_NAMESPACE), kubernetesMinorVersion,
                defaults.cache().nodeRoot(), Owner.of(defaults).value());
        GithubCredentials token = new GithubCredentials.Token(Demo.FAKE_TOKEN);
        Map<String, List<HasMetadata>> objects = new LinkedHashMap<>();
        for (RunnerSet set : runnerSets()) {
            objects.put(set.name(), RunnerSetRenderer.render(set, facts, token).allObjects());
        }
        return objects;
    }

    List<HasMetadata> render(String namespace, int kubernetesMinorVersion) {
        return renderBySet(namespace, kubernetesMinorVersion).values().stream().flatMap(List::stream).toList();
    }

    /** Objects per kind, such as {@code AutoscalingRunnerSet=300, ConfigMap=300, ...}. */
    static Map<String, Integer> countByKind(List<HasMetadata> objects) {
        Map<String, Integer> counts = new TreeMap<>();
        objects.forEach(object -> counts.merge(object.getKind(), 1, Integer::sum));
        return counts;
    }

    static String key(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getName();
    }
}

package dev.arcfleet.migrate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Import from a cluster: the values read back from the Helm-made sets, turned into repositories.yaml, which is then
 * rendered as the daemon would and compared with the sets as they are. So the report names every field the
 * hand-over changes, not only the values import could not express.
 */
public final class ClusterImport {

    private ClusterImport() {
    }

    public static RepositoriesFromValues.Result of(List<HelmMadeSet> sets, RepositoriesFromValues.Settings settings,
            ClusterFacts facts) {
        RepositoriesFromValues.Result imported = RepositoriesFromValues.of(
                sets.stream().map(set -> ValuesFromObjects.of(set.runnerSet(), set.companions())).toList(), settings);
        List<Finding> findings = new ArrayList<>(imported.findings());
        Map<String, HelmMadeSet> byName = new LinkedHashMap<>();
        sets.forEach(set -> byName.put(set.runnerSet().getMetadata().getName(), set));
        for (RunnerSet set : imported.config().map(FleetConfig::runnerSets).orElse(List.of())) {
            HelmMadeSet helmMade = byName.get(set.name());
            if (helmMade == null) {
                continue;
            }
            Map<String, HasMetadata> live = new LinkedHashMap<>();
            live.put(helmMade.runnerSet().getKind() + "/" + set.name(), helmMade.runnerSet());
            helmMade.companions().forEach(object -> live.put(object.getKind() + "/" + object.getMetadata().getName(), object));
            findings.addAll(HandOverDiff.of(RunnerSetRenderer.render(set, facts, new GithubCredentials.Token("")), live));
        }
        return new RepositoriesFromValues.Result(imported.repositories(), imported.config(), findings);
    }
}

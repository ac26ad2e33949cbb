package dev.arcfleet.migrate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arcfleet.chart.ReleaseOwnerKeys;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Import from a cluster: the values each Helm-made set was installed with, from Helm's release record where there is
 * one and from the set's objects for the rest, turned into repositories.yaml, which is then rendered as the daemon
 * would and compared with the sets as they are. So the report names every field the hand-over changes, not only the
 * values import could not express; and per release, the commands that end Helm's ownership.
 */
public final class ClusterImport {

    /** @param handOver per release, the commands that hand its set over, in order, for people */
    public record Result(RepositoriesFromValues.Result imported, List<String> handOver) {
        public Result {
            handOver = List.copyOf(handOver);
        }
    }

    private ClusterImport() {
    }

    /**
     * @param namespace where the sets are: the runner namespace the daemon will watch
     * @param records every release record import could read, of any chart, in any namespace
     */
    public static Result of(String namespace, List<HelmMadeSet> sets, Collection<HelmReleaseRecord> records,
            RepositoriesFromValues.Settings settings, ClusterFacts facts) {
        Map<String, HelmReleaseRecord> current = HelmReleaseRecord.current(records.stream()
                .filter(record -> record.chart().equals(HelmReleaseRecord.RUNNER_SCALE_SET_CHART)).toList());
        List<Finding> sources = new ArrayList<>();
        List<HelmRelease> releases = new ArrayList<>();
        List<String> handOver = new ArrayList<>();
        Set<String> matched = new HashSet<>();
        for (HelmMadeSet set : sets) {
            HelmRelease fromObjects = ValuesFromObjects.of(set.runnerSet(), set.companions());
            String setName = set.runnerSet().getMetadata().getName();
            Optional<HelmReleaseRecord> record = Optional.ofNullable(current.get(HelmReleaseRecord.key(
                    releaseNamespace(set, namespace), fromObjects.name())));
            record.ifPresent(found -> matched.add(found.key()));
            releases.add(record.map(found -> fromRecord(setName, found, fromObjects, sources)).orElseGet(() -> {
                sources.add(new Finding(setName, Finding.Kind.VALUES_FROM, "live objects", "no release record of "
                        + fromObjects.name() + " found in namespace " + releaseNamespace(set, namespace)
                        + ": every value is read back from the set's objects"));
                return fromObjects;
            }));
            handOver.addAll(HandOverSteps.of(namespace, setName, fromObjects.name(), releaseNamespace(set, namespace),
                    record, objects(set)));
        }
        current.values().stream().filter(record -> !matched.contains(record.key()) && record.namespace().equals(namespace))
                .forEach(record -> sources.add(new Finding(record.release(), Finding.Kind.TO_DO, "release record "
                        + record.recordName(), "its release made no set in namespace " + namespace + " (namespaceOverride?):"
                        + " import it from the namespace its set is in")));

        RepositoriesFromValues.Result imported = RepositoriesFromValues.of(releases, settings);
        List<Finding> findings = new ArrayList<>(sources);
        findings.addAll(imported.findings());
        Map<String, HelmMadeSet> byName = new LinkedHashMap<>();
        sets.forEach(set -> byName.put(set.runnerSet().getMetadata().getName(), set));
        for (RunnerSet set : imported.config().map(FleetConfig::runnerSets).orElse(List.of())) {
            HelmMadeSet helmMade = byName.get(set.name());
            if (helmMade == null) {
                continue;
            }
            Map<String, HasMetadata> live = new LinkedHashMap<>();
            objects(helmMade).forEach(object -> live.put(object.getKind() + "/" + object.getMetadata().getName(), object));
            findings.addAll(HandOverDiff.of(RunnerSetRenderer.render(set, facts, new GithubCredentials.Token("")), live));
        }
        return new Result(new RepositoriesFromValues.Result(imported.repositories(), imported.config(), findings), handOver);
    }

    /**
     * The record's values, which are what the release was installed with, over those read back from the objects,
     * which also hold what the chart's defaults rendered; a finding says which came from where.
     */
    private static HelmRelease fromRecord(String setName, HelmReleaseRecord record, HelmRelease fromObjects,
            List<Finding> sources) {
        ObjectNode values = fromObjects.values().deepCopy();
        List<String> fromRecord = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> entries = record.values().fields(); entries.hasNext();) {
            Map.Entry<String, JsonNode> entry = entries.next();
            values.set(entry.getKey(), entry.getValue());
            fromRecord.add(entry.getKey());
        }
        List<String> fromLive = new ArrayList<>();
        fromObjects.values().fieldNames().forEachRemaining(key -> {
            if (!record.values().has(key)) {
                fromLive.add(key);
            }
        });
        sources.add(new Finding(setName, Finding.Kind.VALUES_FROM, record.describe(), fromRecord.isEmpty() ? "no values"
                : String.join(", ", fromRecord)));
        if (!fromLive.isEmpty()) {
            sources.add(new Finding(setName, Finding.Kind.VALUES_FROM, "live objects", String.join(", ", fromLive)
                    + " (the release did not set them: what the chart rendered for them)"));
        }
        return new HelmRelease(record.release(), values);
    }

    /** Where Helm recorded the set's release: its annotation, which namespaceOverride makes differ from the set's. */
    private static String releaseNamespace(HelmMadeSet set, String namespace) {
        return Optional.ofNullable(set.runnerSet().getMetadata().getAnnotations())
                .map(annotations -> annotations.get(ReleaseOwnerKeys.HELM_RELEASE_NAMESPACE)).orElse(namespace);
    }

    private static List<HasMetadata> objects(HelmMadeSet set) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(set.runnerSet());
        objects.addAll(set.companions());
        return objects;
    }
}

package dev.arcfleet.render;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** The labels and annotations that the chart and arcfleet put on every object of a runner set. */
public final class Labels {

    /** The value of ARC's {@code managed-by} label that marks an object as arcfleet's. */
    public static final String MANAGED_BY_ARCFLEET = "arcfleet";
    /** Ties an object to its runner set; prune decisions go through it. */
    public static final String SET = "arcfleet.dev/set";
    /**
     * The repository's set-name stem ({@code arc-runner-<owner>-<repo>}, shortened like the set names):
     * always a valid label value, unique per repository, so {@code -l} selects all of a repository's sets.
     */
    public static final String REPOSITORY = "arcfleet.dev/repository";
    public static final String INSTANCE = "arcfleet.dev/instance";
    /**
     * The configuration ({@code <namespace>.<config-map>}) an object came from; prune and conflict checks
     * consider only their own owner's objects. Absent on objects of an arcfleet before owner scoping.
     */
    public static final String OWNER = "arcfleet.dev/owner";
    /** Hash of everything arcfleet applied, so a field it stopped setting is noticed as a change. */
    public static final String DESIRED_HASH_ANNOTATION = "arcfleet.dev/desired-hash";
    /**
     * On a cache claim whose set left the configuration: when it left, the start of its orphan retention. On the
     * object, so a restart or another leader neither resets nor skips the countdown.
     */
    public static final String REMOVED_AT_ANNOTATION = "arcfleet.dev/removed-at";
    /**
     * On an AutoscalingRunnerSet rendered with {@link Runners#DRAINED}: why it has no runners, beside spec fields that
     * alone could be a configured {@code maxRunners: 0}.
     */
    public static final String DRAINED_ANNOTATION = "arcfleet.dev/drained";

    private Labels() {
    }

    /** Only objects carrying this label are ever changed or deleted by arcfleet. */
    public static boolean managedByArcfleet(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels != null && MANAGED_BY_ARCFLEET.equals(labels.get(ArcKeys.MANAGED_BY));
    }

    /** Whether the object is an AutoscalingRunnerSet arcfleet drained ({@link Runners#DRAINED}). */
    public static boolean drained(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(DRAINED_ANNOTATION);
    }

    /** The object's owner; empty on an object made before owners were labelled. */
    public static Optional<String> owner(HasMetadata object) {
        return Optional.ofNullable(object.getMetadata().getLabels()).map(labels -> labels.get(OWNER));
    }

    /**
     * An object's labels as the chart orders them: the user's for all objects, the object's own from
     * {@code resourceMeta}, then the chart's and arcfleet's, which the parser keeps the user's from naming.
     */
    static Map<String, String> of(RunnerSet set, ClusterFacts facts, String component, ChartValues.ResourceMeta own) {
        Map<String, String> labels = new LinkedHashMap<>(set.repository().chart().labels());
        labels.putAll(own.labels());
        labels.putAll(common(set, facts));
        if (component != null) {
            labels.put(ArcKeys.COMPONENT, component);
        }
        return labels;
    }

    private static Map<String, String> common(RunnerSet set, ClusterFacts facts) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ArcKeys.NAME, set.name());
        labels.put(ArcKeys.INSTANCE, set.name());
        labels.put(ArcKeys.VERSION, facts.arcController().version());
        labels.put(ArcKeys.MANAGED_BY, MANAGED_BY_ARCFLEET);
        labels.put(ArcKeys.PART_OF, ArcKeys.PART_OF_RUNNER_SET);
        labels.put(ArcKeys.SCALE_SET_NAME, set.name());
        labels.put(ArcKeys.SCALE_SET_NAMESPACE, facts.namespace());
        labels.put(SET, set.name());
        labels.put(REPOSITORY, set.name().substring(0, set.name().lastIndexOf('-')));
        labels.put(INSTANCE, Integer.toString(set.instance()));
        labels.put(OWNER, facts.owner());
        return labels;
    }
}

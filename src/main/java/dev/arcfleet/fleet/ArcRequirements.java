package dev.arcfleet.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ARC controller version a repository's values need. ARC's CRDs prune fields they do not know, so a value the
 * running controller's CRD lacks would vanish without a word; such a repository is refused instead. Only the
 * AutoscalingRunnerSet's spec is versioned this way: what arcfleet renders into its own objects works with any.
 */
public final class ArcRequirements {

    private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d+)\\.(\\d+)(\\..*)?");
    /** ARC 0.14 added spec.runnerScaleSetLabels and the spec's metadata of the objects ARC creates. */
    private static final int SPEC_LABELS_MINOR = 14;

    private ArcRequirements() {
    }

    /** One message per value that {@code arcVersion} does not support, naming the value and the version it needs. */
    public static List<String> unmet(RepositoryConfig repository, String arcVersion) {
        List<String> fields = new ArrayList<>();
        if (!repository.chart().runnerScaleSetLabels().isEmpty()) {
            fields.add("runnerScaleSetLabels (spec.runnerScaleSetLabels)");
        }
        repository.chart().resourceMeta().keySet().stream().filter(target -> target.specField().isPresent())
                .forEach(target -> fields.add("resourceMeta." + target.yamlName() + " (spec." + target.specField().get() + ")"));
        if (fields.isEmpty() || atLeast(arcVersion, 0, SPEC_LABELS_MINOR)) {
            return List.of();
        }
        return fields.stream().map(field -> "repository " + repository.fullName() + ": " + field + " needs ARC 0."
                + SPEC_LABELS_MINOR + " or later, but the ARC controller runs " + arcVersion
                + ", whose AutoscalingRunnerSet CRD would drop it").toList();
    }

    private static boolean atLeast(String version, int major, int minor) {
        Matcher matcher = MAJOR_MINOR.matcher(version);
        if (!matcher.matches()) {
            return false;
        }
        int actualMajor = Integer.parseInt(matcher.group(1));
        return actualMajor > major || actualMajor == major && Integer.parseInt(matcher.group(2)) >= minor;
    }
}

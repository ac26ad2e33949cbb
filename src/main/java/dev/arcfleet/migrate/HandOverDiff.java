package dev.arcfleet.migrate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.arcfleet.migrate.Finding.Kind;
import dev.arcfleet.render.DesiredRunnerSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * What arcfleet's first apply changes in a Helm-made set: every path of the AutoscalingRunnerSet's spec, and of
 * the RBAC objects' rules and subjects, where arcfleet's rendering differs from the live object; and the objects
 * it creates that Helm did not. Lists of named items are compared item by item, by name.
 */
public final class HandOverDiff {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COMPARED = List.of("spec", "rules", "subjects", "roleRef");

    private HandOverDiff() {
    }

    /** @param live the set's objects as they are, by {@code Kind/name} */
    public static List<Finding> of(DesiredRunnerSet desired, Map<String, HasMetadata> live) {
        String set = desired.set().name();
        List<Finding> findings = new ArrayList<>();
        for (HasMetadata object : desired.allObjects()) {
            if (object.getKind().equals("Secret")) {
                // Its data is credentials, which import neither reads nor compares; its name is the chart's.
                continue;
            }
            String id = object.getKind() + "/" + object.getMetadata().getName();
            HasMetadata current = live.get(id);
            if (current == null) {
                findings.add(new Finding(set, Kind.CHANGES_ON_HAND_OVER, id, "created: Helm made no such object"));
                continue;
            }
            JsonNode wanted = tree(object);
            JsonNode found = tree(current);
            for (String field : COMPARED) {
                diff(id + " " + field, found.path(field), wanted.path(field), set, findings);
            }
        }
        return findings;
    }

    /** The paths at which two trees differ, in the form the report names them. */
    static void diff(String path, JsonNode live, JsonNode desired, String set, List<Finding> findings) {
        if (same(live, desired)) {
            return;
        }
        if (absent(live)) {
            findings.add(new Finding(set, Kind.CHANGES_ON_HAND_OVER, path, "added"));
        } else if (absent(desired)) {
            findings.add(new Finding(set, Kind.NOT_RENDERED_BY_ARCFLEET, path, ""));
        } else if (live.isObject() && desired.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            desired.fieldNames().forEachRemaining(keys::add);
            live.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                diff(path + "." + key, live.path(key), desired.path(key), set, findings);
            }
        } else if (named(live) && named(desired)) {
            Set<String> names = new LinkedHashSet<>();
            desired.forEach(item -> names.add(item.path("name").asText()));
            live.forEach(item -> names.add(item.path("name").asText()));
            for (String name : names) {
                diff(path + "[" + name + "]", item(live, name), item(desired, name), set, findings);
            }
            if (!sameOrderOfCommon(live, desired)) {
                findings.add(new Finding(set, Kind.CHANGES_ON_HAND_OVER, path, "reordered"));
            }
        } else {
            findings.add(new Finding(set, Kind.CHANGES_ON_HAND_OVER, path, "changed"));
        }
    }

    private static boolean same(JsonNode live, JsonNode desired) {
        if (absent(live) && absent(desired)) {
            return true;
        }
        if (live.isNumber() && desired.isNumber()) {
            return live.decimalValue().compareTo(desired.decimalValue()) == 0;
        }
        return live.equals(desired);
    }

    /** An empty list or mapping is what the model leaves out, and what the API server leaves out too. */
    private static boolean absent(JsonNode node) {
        return node.isMissingNode() || node.isNull() || node.isContainerNode() && node.isEmpty();
    }

    private static boolean named(JsonNode list) {
        if (!list.isArray()) {
            return false;
        }
        Set<String> names = new HashSet<>();
        for (JsonNode item : list) {
            if (!item.path("name").isTextual() || !names.add(item.path("name").asText())) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode item(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        return JSON.missingNode();
    }

    private static boolean sameOrderOfCommon(JsonNode live, JsonNode desired) {
        List<String> liveNames = new ArrayList<>();
        live.forEach(item -> liveNames.add(item.path("name").asText()));
        List<String> desiredNames = new ArrayList<>();
        desired.forEach(item -> desiredNames.add(item.path("name").asText()));
        liveNames.retainAll(desiredNames);
        desiredNames.retainAll(liveNames);
        return liveNames.equals(desiredNames);
    }

    private static JsonNode tree(HasMetadata object) {
        return JSON.valueToTree(SERIALIZATION.convertValue(object, Map.class));
    }
}

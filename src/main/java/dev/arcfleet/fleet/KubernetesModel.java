package dev.arcfleet.fleet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Reads a part of repositories.yaml into fabric8's Kubernetes model. fabric8 keeps fields it does not know on
 * the side, and the API server would drop them, so a misspelt field ({@code nodeSelecter}) is refused here,
 * named by its path. Messages never quote a value: a template may hold secrets.
 */
final class KubernetesModel {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** Only asked which properties a model class has; Jackson reads the same annotations fabric8 writes. */
    private static final ObjectMapper INTROSPECTION = new ObjectMapper();
    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

    private KubernetesModel() {
    }

    /** The value at {@code key} as {@code type}, or empty (with the problems recorded) if absent or invalid. */
    static <T> Optional<T> read(Fields fields, String key, Class<T> type) {
        JsonNode node = fields.node().get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        return convert(fields, key, node, type);
    }

    /** A list of {@code type} at {@code key}; empty if absent, invalid items are recorded and left out. */
    static <T> Optional<List<T>> readList(Fields fields, String key, Class<T> type) {
        JsonNode node = fields.node().get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isArray()) {
            fields.problem(key, "must be a list, got " + Fields.describe(node));
            return Optional.empty();
        }
        List<T> items = new ArrayList<>();
        for (int index = 0; index < node.size(); index++) {
            convert(fields, key + "[" + index + "]", node.get(index), type).ifPresent(items::add);
        }
        return Optional.of(items);
    }

    private static <T> Optional<T> convert(Fields fields, String key, JsonNode node, Class<T> type) {
        if (!node.isObject()) {
            fields.problem(key, "must be a mapping, got " + Fields.describe(node));
            return Optional.empty();
        }
        List<String> unknown = new ArrayList<>();
        unknownFields(node, INTROSPECTION.constructType(type), "", unknown);
        unknown.forEach(path -> fields.problem(key + "." + path, "unknown field (not in Kubernetes' " + type.getSimpleName()
                + ")"));
        if (!unknown.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SERIALIZATION.convertValue(node, type));
        } catch (IllegalArgumentException e) {
            fields.problem(key + pathOf(e), "wrong type" + expectedType(e));
            return Optional.empty();
        }
    }

    private static void unknownFields(JsonNode node, JavaType type, String path, List<String> unknown) {
        if (type.isCollectionLikeType() || type.isArrayType()) {
            if (node.isArray()) {
                for (int index = 0; index < node.size(); index++) {
                    unknownFields(node.get(index), type.getContentType(), trimDot(path) + "[" + index + "].", unknown);
                }
            }
            return;
        }
        if (type.isMapLikeType()) {
            if (node.isObject()) {
                node.fields().forEachRemaining(entry -> unknownFields(entry.getValue(), type.getContentType(),
                        path + entry.getKey() + ".", unknown));
            }
            return;
        }
        // Scalars, and model types read from scalars (Quantity, IntOrString), have no fields to check.
        if (!node.isObject() || !type.getRawClass().getPackageName().startsWith(MODEL_PACKAGE)) {
            return;
        }
        BeanDescription bean = INTROSPECTION.getDeserializationConfig().introspect(type);
        Map<String, BeanPropertyDefinition> properties = bean.findProperties().stream()
                .collect(Collectors.toMap(BeanPropertyDefinition::getName, Function.identity(), (first, second) -> first));
        for (Iterator<Map.Entry<String, JsonNode>> entries = node.fields(); entries.hasNext();) {
            Map.Entry<String, JsonNode> entry = entries.next();
            BeanPropertyDefinition property = properties.get(entry.getKey());
            if (property == null) {
                unknown.add(path + entry.getKey());
            } else {
                unknownFields(entry.getValue(), property.getPrimaryType(), path + entry.getKey() + ".", unknown);
            }
        }
    }

    private static String trimDot(String path) {
        return path.endsWith(".") ? path.substring(0, path.length() - 1) : path;
    }

    private static String pathOf(IllegalArgumentException e) {
        if (!(e.getCause() instanceof JsonMappingException mapping)) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : mapping.getPath()) {
            if (reference.getFieldName() != null) {
                path.append('.').append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String expectedType(IllegalArgumentException e) {
        if (e.getCause() instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return " (expected " + mismatch.getTargetType().getSimpleName() + ")";
        }
        return "";
    }
}

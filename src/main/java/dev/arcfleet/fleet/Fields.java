package dev.arcfleet.fleet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Typed access to one mapping's fields; a value of the wrong type is a problem and reads as absent. */
record Fields(String context, JsonNode node, Problems problems) {

    void problem(String key, String message) {
        problems.add(context + key + ": " + message);
    }

    Optional<Integer> integer(String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isInt()) {
            problem(key, "must be an integer, got " + describe(value));
            return Optional.empty();
        }
        return Optional.of(value.intValue());
    }

    Optional<String> text(String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            problem(key, "must be a string, got " + describe(value));
            return Optional.empty();
        }
        return Optional.of(value.textValue());
    }

    Optional<List<String>> textList(String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isArray()) {
            problem(key, "must be a list of strings, got " + describe(value));
            return Optional.empty();
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                problem(key, "must be a list of strings, got an item " + describe(item));
                return Optional.empty();
            }
            items.add(item.textValue());
        }
        return Optional.of(items);
    }

    Optional<List<Fields>> mappingList(String key, Set<String> allowedKeys) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isArray()) {
            problem(key, "must be a list, got " + describe(value));
            return Optional.empty();
        }
        List<Fields> entries = new ArrayList<>();
        for (int index = 0; index < value.size(); index++) {
            JsonNode entry = value.get(index);
            String nested = context + key + "[" + index + "].";
            if (!(entry instanceof ObjectNode)) {
                problems.add(nested.substring(0, nested.length() - 1) + ": must be a mapping, got " + describe(entry));
                continue;
            }
            problems.unknownKeys(nested, entry, allowedKeys);
            entries.add(new Fields(nested, entry, problems));
        }
        return Optional.of(entries);
    }

    Optional<Fields> mapping(String key, Set<String> allowedKeys) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!(value instanceof ObjectNode)) {
            problem(key, "must be a mapping, got " + describe(value));
            return Optional.empty();
        }
        String nested = context + key + ".";
        problems.unknownKeys(nested, value, allowedKeys);
        return Optional.of(new Fields(nested, value, problems));
    }

    static String describe(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "the string '" + value.textValue() + "'";
            case NUMBER -> "the number " + value.asText();
            case BOOLEAN -> "the boolean " + value.asText();
            case ARRAY -> "a list";
            case OBJECT -> "a mapping";
            default -> value.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    /** Every problem found in one file, each naming where it is; reading goes on past a problem to find the rest. */
    static final class Problems {
        private final List<String> messages = new ArrayList<>();

        void add(String message) {
            messages.add(message);
        }

        int count() {
            return messages.size();
        }

        void unknownKeys(String context, JsonNode node, Set<String> allowed) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
                String key = names.next();
                if (FleetSchema.NOT_SUPPORTED.containsKey(key)) {
                    add(context + key + ": not supported: " + FleetSchema.NOT_SUPPORTED.get(key));
                } else if (!allowed.contains(key)) {
                    add(context + key + ": unknown key (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        void throwIfAny() throws InvalidFleetConfigException {
            if (!messages.isEmpty()) {
                throw new InvalidFleetConfigException(messages);
            }
        }
    }
}

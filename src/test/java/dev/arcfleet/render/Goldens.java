package dev.arcfleet.render;

// Expected renderings, kept as YAML files in src/test/resources/dev/arcfleet/render/golden/ (see the README there).
// To rewrite them from the current rendering instead of comparing, then review what changed with `git diff`:
//   ./mvnw -B test -Dtest='RunnerSetRendererTest,ChartValuesRenderTest' -Dsurefire.failIfNoSpecifiedTests=false -Darcfleet.goldens.update=true

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import org.opentest4j.AssertionFailedError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Compares a test's rendering with its golden file: a YAML mapping from what was rendered (an object, a path in it)
 * to the expected value there. Mapping keys compare in any order, list items in order, scalars by type and value.
 * With {@code -Darcfleet.goldens.update=true} it writes the rendering to the file instead: the entries in the test's
 * order, the mapping keys within them sorted, since rendering order is not stable from one JVM to the next (a
 * {@code Map.of} in the rendering iterates in a per-JVM order).
 */
final class Goldens {

    static final Path DIRECTORY = Path.of(System.getProperty("basedir", ""))
            .resolve("src/test/resources/dev/arcfleet/render/golden");
    private static final boolean UPDATE = Boolean.getBoolean("arcfleet.goldens.update");
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .build();

    private Goldens() {
    }

    /** {@code name} is the file's path under {@link #DIRECTORY} without {@code .yaml}. */
    static void assertMatches(String name, ObjectNode actual) {
        Path file = DIRECTORY.resolve(name + ".yaml");
        if (UPDATE) {
            write(file, actual);
            return;
        }
        JsonNode expected;
        try {
            expected = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new AssertionError("cannot read golden " + file + " (write it with -Darcfleet.goldens.update=true)", e);
        }
        if (expected.equals(actual)) {
            return;
        }
        String entry = firstDifferingEntry(expected, actual);
        String where = entry == null ? "" : " " + entry;
        throw new AssertionFailedError("golden " + DIRECTORY.relativize(file) + ": " + firstDifference(expected, actual, "")
                + "\n--- expected" + where + "\n" + yaml(sorted(entry == null ? expected : expected.path(entry)))
                + "--- actual" + where + "\n" + yaml(sorted(entry == null ? actual : actual.path(entry)))
                + "If the change is intended, rewrite the goldens with -Darcfleet.goldens.update=true and review git diff.",
                yaml(sorted(expected)), yaml(sorted(actual)));
    }

    private static void write(Path file, ObjectNode actual) {
        ObjectNode sorted = JsonNodeFactory.instance.objectNode();
        actual.properties().forEach(entry -> sorted.set(entry.getKey(), sorted(entry.getValue())));
        String text = yaml(sorted);
        try {
            // A string such as "0x1" would be read back as a number, a missing part not at all: better no golden
            // than a wrong one.
            JsonNode readBack = YAML.readTree(text);
            if (!readBack.equals(actual)) {
                fail("not writing " + file + ", it would not read back as rendered: " + firstDifference(readBack, actual, ""));
            }
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            fail("cannot write golden " + file, e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> byKey = new TreeMap<>();
            node.properties().forEach(entry -> byKey.put(entry.getKey(), sorted(entry.getValue())));
            return JsonNodeFactory.instance.objectNode().setAll(byKey);
        }
        if (node.isArray()) {
            ArrayNode sorted = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> sorted.add(sorted(item)));
            return sorted;
        }
        return node;
    }

    private static String yaml(JsonNode node) {
        if (node.isMissingNode()) {
            return "(absent)\n";
        }
        try {
            return YAML.writeValueAsString(node);
        } catch (IOException e) {
            return fail(e);
        }
    }

    /** The golden's first entry that differs, to show only that one. */
    private static String firstDifferingEntry(JsonNode expected, JsonNode actual) {
        for (Iterator<String> names = expected.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!expected.get(name).equals(actual.get(name))) {
                return name;
            }
        }
        for (Iterator<String> names = actual.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!expected.has(name)) {
                return name;
            }
        }
        return null;
    }

    /** "path: what differs" for the first difference, depth first. */
    private static String firstDifference(JsonNode expected, JsonNode actual, String path) {
        if (expected.isObject() && actual.isObject()) {
            for (Map.Entry<String, JsonNode> field : expected.properties()) {
                JsonNode other = actual.get(field.getKey());
                if (other == null) {
                    return path + key(field.getKey()) + ": expected " + field.getValue() + " but it is missing";
                }
                if (!field.getValue().equals(other)) {
                    return firstDifference(field.getValue(), other, path + key(field.getKey()));
                }
            }
            for (Iterator<String> names = actual.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!expected.has(name)) {
                    return path + key(name) + ": not expected, but rendered as " + actual.get(name);
                }
            }
        }
        if (expected.isArray() && actual.isArray()) {
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                if (!expected.get(i).equals(actual.get(i))) {
                    return firstDifference(expected.get(i), actual.get(i), path + "[" + i + "]");
                }
            }
            return path + ": expected " + expected.size() + " items but " + actual.size() + " were rendered";
        }
        return path + ": expected " + describe(expected) + " but was " + describe(actual);
    }

    private static String key(String name) {
        return name.matches("[A-Za-z0-9_-]+") ? "." + name : "[\"" + name + "\"]";
    }

    private static String describe(JsonNode node) {
        if (node.isMissingNode()) {
            return "nothing (missing)";
        }
        return node + (node.isValueNode() ? " (" + node.getNodeType().name().toLowerCase() + ")" : "");
    }
}

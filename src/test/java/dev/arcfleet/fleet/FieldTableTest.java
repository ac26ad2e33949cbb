package dev.arcfleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.arcfleet.fleet.FleetSchema.Defaults;

/** docs/configuration.md's field table lists exactly the fields the parser accepts, with their built-in defaults. */
class FieldTableTest {

    private static final Path REFERENCE = Path.of("docs/configuration.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(\\w+)` \\| ([^|]*) \\|", Pattern.MULTILINE);

    @Test
    void everyFieldIsDocumentedAndNothingElse() throws IOException {
        assertEquals(FleetSchema.REPOSITORY, documented().keySet());
    }

    @Test
    void theDocumentedDefaultsAreTheBuiltInOnes() throws IOException {
        Map<String, String> documented = documented();
        Defaults builtIn = FleetSchema.BUILT_IN_DEFAULTS;
        assertEquals("`" + builtIn.instances() + "`", documented.get("instances"));
        assertEquals("`" + builtIn.firstIndex() + "`", documented.get("firstIndex"));
        assertEquals("`" + builtIn.minRunners() + "`", documented.get("minRunners"));
        assertEquals("`" + builtIn.maxRunners().orElseThrow() + "`", documented.get("maxRunners"));
        assertEquals("`" + builtIn.containerMode().yamlName() + "`", documented.get("containerMode"));
        assertEquals("`" + builtIn.runnerImage() + "`", documented.get("runnerImage"));
        assertEquals("one cache `" + builtIn.cachePaths().get(0).name() + "` at `" + builtIn.cachePaths().get(0).path() + "`",
                documented.get("cachePaths"));
        String claim = documented.get("workVolumeClaimTemplate");
        assertTrue(claim.contains("`accessModes: [" + String.join(", ", builtIn.accessModes()) + "]`")
                && claim.contains("`storage: " + builtIn.storage() + "`"), claim);
    }

    /** The table under "### Fields": each field and its default column. */
    private static Map<String, String> documented() throws IOException {
        String text = Files.readString(REFERENCE);
        int start = text.indexOf("\n### Fields\n");
        assertTrue(start >= 0, REFERENCE + " has no '### Fields' section");
        int end = text.indexOf("\n#", start + 1);
        Matcher row = ROW.matcher(text.substring(start, end < 0 ? text.length() : end));
        Map<String, String> fields = new LinkedHashMap<>();
        while (row.find()) {
            fields.put(row.group(1), row.group(2).trim());
        }
        assertTrue(fields.size() > 10, "hardly any fields found in " + REFERENCE + ": " + fields.keySet());
        return fields;
    }
}

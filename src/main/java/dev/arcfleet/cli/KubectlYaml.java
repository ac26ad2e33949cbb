package dev.arcfleet.cli;

import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * YAML as kubectl and helm print it: block style, lists not indented under their key, multi-line strings as
 * literal blocks, and quotes only where a YAML 1.1 reader (kubectl's) would take a string for something else.
 */
final class KubectlYaml {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .stringQuotingChecker(new Yaml11Quoting())
            .build());

    private KubectlYaml() {
    }

    /** One document, with its {@code ---} separator; any fabric8 object or JSON tree. */
    static String document(Object object) {
        try {
            return "---\n" + YAML.writeValueAsString(JSON.readTree(SERIALIZATION.asJson(object)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a model object that does not serialise: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Jackson's check knows YAML 1.2's plain scalars; kubectl reads YAML 1.1, where {@code yes}, {@code ~},
     * {@code 0x1F}, {@code 1e3}, {@code .inf} and dates are no strings either.
     */
    private static final class Yaml11Quoting extends StringQuotingChecker.Default {

        private static final Pattern NOT_A_STRING_IN_YAML_11 = Pattern.compile(String.join("|",
                "(?i)y|n|yes|no|on|off|true|false|null|~|=|<<",
                "[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?",
                "[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+|b[01_]+)",
                "[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?",
                "(?i)[-+]?\\.inf|\\.nan",
                "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?"));

        @Override
        public boolean needToQuoteName(String name) {
            return super.needToQuoteName(name) || NOT_A_STRING_IN_YAML_11.matcher(name).matches();
        }

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || NOT_A_STRING_IN_YAML_11.matcher(value).matches();
        }
    }
}

package dev.arcfleet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.status.FleetStatus;
import dev.arcfleet.status.SetStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = { "Shows a running daemon's fleet (its /api/v1/status) as a table, like kubectl get.",
            "Exits 0 when every set is ready and the last cycle succeeded, 1 when not, 3 when the daemon cannot be read." })
public class StatusCommand implements Callable<Integer> {

    static final int NOT_READY = 1;
    static final int UNREADABLE = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String READY = SetStatus.State.READY.name().toLowerCase(Locale.ROOT);

    enum Format {
        TABLE, WIDE, JSON, YAML;

        static final class Converter implements ITypeConverter<Format> {
            @Override
            public Format convert(String value) {
                Format format = valueOf(value.toUpperCase(Locale.ROOT));
                if (format == TABLE) {
                    throw new IllegalArgumentException("the table is the default; -o takes json, yaml or wide");
                }
                return format;
            }
        }
    }

    @Spec
    CommandSpec spec;

    @Inject
    ObjectMapper mapper;

    @Option(names = "--url", defaultValue = "http://localhost:8080",
            description = "The daemon's HTTP address (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = { "-o", "--output" }, converter = Format.Converter.class, paramLabel = "json|yaml|wide",
            description = "json or yaml: the daemon's status as it is; wide: the table with ARC's runner counts and full details.")
    Format format = Format.TABLE;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode json;
        try {
            json = fetch();
        } catch (IOException e) {
            spec.commandLine().getErr().printf("cannot read the status from %s: %s%n", url,
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
            return UNREADABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNREADABLE;
        }
        FleetStatus status = mapper.convertValue(json, FleetStatus.class);
        switch (format) {
            case JSON -> out.println(json.toPrettyString());
            case YAML -> {
                try {
                    out.print(new YAMLMapper().writeValueAsString(json));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            default -> out.print(StatusTable.render(status, Instant.now(), format == Format.WIDE));
        }
        out.flush();
        return allReady(status) ? 0 : NOT_READY;
    }

    private JsonNode fetch() throws IOException, InterruptedException {
        URI endpoint = url.resolve("/api/v1/status");
        HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(TIMEOUT).build().send(
                HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(endpoint + " answered " + response.statusCode());
        }
        return mapper.readTree(response.body());
    }

    static boolean allReady(FleetStatus status) {
        return status.global().lastCycleSucceeded() && status.repositories().stream()
                .flatMap(repository -> repository.sets().stream()).allMatch(set -> READY.equals(set.state()));
    }
}

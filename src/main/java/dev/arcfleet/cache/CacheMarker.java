package dev.arcfleet.cache;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * The file that marks a set directory as arcfleet's, and remembers since when its set is gone, so a
 * restart neither resets nor skips the retention. It sits beside the caches, outside every mount.
 */
/**
 * @param owner the configuration ({@code dev.arcfleet.config.Owner}) whose set this is; empty in a marker
 *        written before owners were recorded
 */
record CacheMarker(String repository, String owner, Instant created, Optional<Instant> orphanedSince) {

    static final String FILE_NAME = ".arcfleet-cache";

    static Optional<CacheMarker> read(Path setDirectory) throws IOException {
        Path file = setDirectory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        String created = properties.getProperty("created");
        if (created == null) {
            return Optional.empty();
        }
        return Optional.of(new CacheMarker(properties.getProperty("repository", ""), properties.getProperty("owner", ""),
                Instant.parse(created),
                Optional.ofNullable(properties.getProperty("orphaned-since")).map(Instant::parse)));
    }

    /** Replaces the marker atomically, so a crash leaves the old or the new one, never half of one. */
    void write(Path setDirectory) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("repository", repository);
        properties.setProperty("owner", owner);
        properties.setProperty("created", created.toString());
        orphanedSince.ifPresent(since -> properties.setProperty("orphaned-since", since.toString()));
        Path temporary = setDirectory.resolve(FILE_NAME + ".tmp");
        try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(writer, "arcfleet cache directory; removing this file makes arcfleet leave the directory alone");
        }
        Files.move(temporary, setDirectory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    CacheMarker orphanedAt(Instant since) {
        return new CacheMarker(repository, owner, created, Optional.of(since));
    }

    /** In use again, by {@code newOwner}: the same one, or this owner adopting an unowned marker. */
    CacheMarker revived(String newOwner) {
        return new CacheMarker(repository, newOwner, created, Optional.empty());
    }
}

package dev.arcfleet.cache;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The file that marks a set directory as arcfleet's, and remembers since when its set is gone, so a
 * restart neither resets nor skips the retention. It sits beside the caches, outside every mount, and is
 * the last thing a deletion removes: a directory that still has it is still arcfleet's to finish.
 *
 * @param owner the configuration ({@code dev.arcfleet.settings.Owner}) whose set this is; empty in a marker
 *        written before owners were recorded
 */
record CacheMarker(String repository, String owner, Instant created, Optional<Instant> orphanedSince) {

    static final Path FILE_NAME = Path.of(".arcfleet-cache");
    private static final Path TEMPORARY = Path.of(".arcfleet-cache.tmp");

    /** Empty if the directory has no marker; an IOException if it has one that cannot be read. */
    static Optional<CacheMarker> read(SecureDirectoryStream<Path> setDirectory) throws IOException {
        if (!NoFollowTree.attributes(setDirectory, FILE_NAME).map(attributes -> attributes.isRegularFile()).orElse(false)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Channels.newReader(setDirectory.newByteChannel(FILE_NAME,
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)), StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        String created = properties.getProperty("created");
        if (created == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new CacheMarker(properties.getProperty("repository", ""), properties.getProperty("owner", ""),
                    Instant.parse(created),
                    Optional.ofNullable(properties.getProperty("orphaned-since")).map(Instant::parse)));
        } catch (DateTimeParseException e) {
            throw new IOException("its " + FILE_NAME + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Replaces the marker atomically, so a crash leaves the old or the new one, never half of one. */
    void write(SecureDirectoryStream<Path> setDirectory) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("repository", repository);
        properties.setProperty("owner", owner);
        properties.setProperty("created", created.toString());
        orphanedSince.ifPresent(since -> properties.setProperty("orphaned-since", since.toString()));
        StringWriter text = new StringWriter();
        properties.store(text, "arcfleet cache directory; removing this file makes arcfleet leave the directory alone");
        Set<OpenOption> create = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                LinkOption.NOFOLLOW_LINKS);
        try (SeekableByteChannel channel = setDirectory.newByteChannel(TEMPORARY, create)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
        setDirectory.move(TEMPORARY, setDirectory, FILE_NAME);
    }

    CacheMarker orphanedAt(Instant since) {
        return new CacheMarker(repository, owner, created, Optional.of(since));
    }

    /** In use again, by {@code newOwner}: the same one, or this owner adopting an unowned marker. */
    CacheMarker revived(String newOwner) {
        return new CacheMarker(repository, newOwner, created, Optional.empty());
    }
}

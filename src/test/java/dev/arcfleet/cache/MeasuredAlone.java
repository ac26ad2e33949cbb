package dev.arcfleet.cache;

import java.io.IOException;
import java.util.List;

import dev.arcfleet.walk.Watch;

/** One set's directory measured by a walk of its own, unwatched: what the tests of one set's tree ask. */
final class MeasuredAlone {

    private MeasuredAlone() {
    }

    static CacheUsage of(CacheDirectories directories, String set) throws IOException {
        try {
            return directories.measure(List.of(set), Watch.unwatched()).get(set).call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.arcfleet.fleet;

/** A named cache directory of a runner set, mounted at {@code path} in the runner and job containers. */
public record CachePath(String name, String path) {

    /** The pod volume that mounts it. */
    public String volumeName() {
        return "cache-" + name;
    }
}

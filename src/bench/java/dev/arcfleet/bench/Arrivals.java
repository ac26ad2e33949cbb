package dev.arcfleet.bench;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.arcfleet.demo.Demo;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Watchable;

/**
 * Watches every kind arcfleet writes in one namespace and notes when each object was first seen and, for
 * AutoscalingRunnerSets, when each {@code maxRunners} value was. A watch event is sent once the write is
 * stored, so this is when the object became readable through the API, without polling lists, whose cost
 * at 8,000 objects would slow the API server the daemon is timed against.
 */
final class Arrivals implements AutoCloseable {

    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Map<String, Long> maxRunnersSeen = new ConcurrentHashMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private volatile String closed;

    Arrivals(KubernetesClient client, String namespace) {
        watch(client.serviceAccounts().inNamespace(namespace));
        watch(client.rbac().roles().inNamespace(namespace));
        watch(client.rbac().roleBindings().inNamespace(namespace));
        watch(client.secrets().inNamespace(namespace));
        watch(client.configMaps().inNamespace(namespace));
        watch(client.genericKubernetesResources(Demo.RUNNER_SETS).inNamespace(namespace));
    }

    private <T extends HasMetadata> void watch(Watchable<T> kind) {
        watches.add(kind.watch(new Watcher<T>() {
            @Override
            public void eventReceived(Action action, T object) {
                long now = System.nanoTime();
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    firstSeen.putIfAbsent(BenchFleet.key(object), now);
                    if (object instanceof GenericKubernetesResource set && set.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                            && spec.get("maxRunners") instanceof Number max) {
                        maxRunnersSeen.putIfAbsent(set.getMetadata().getName() + "=" + max.intValue(), now);
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                closed = cause.getMessage();
            }
        }));
    }

    /** When the last of {@code keys} ({@code Kind/name}) was first seen; empty while one is missing. */
    OptionalLong allSeenAt(Collection<String> keys) {
        return latest(keys.stream().map(firstSeen::get).toList());
    }

    /** When the last of {@code sets} was first seen with {@code maxRunners}; empty while one is not. */
    OptionalLong maxRunnersSeenAt(Collection<String> sets, int maxRunners) {
        return latest(sets.stream().map(set -> maxRunnersSeen.get(set + "=" + maxRunners)).toList());
    }

    int seen(Collection<String> keys) {
        return (int) keys.stream().filter(firstSeen::containsKey).count();
    }

    private OptionalLong latest(List<Long> times) {
        if (closed != null) {
            throw new IllegalStateException("a watch closed: " + closed);
        }
        if (times.contains(null)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(times.stream().mapToLong(Long::longValue).max().orElseThrow());
    }

    @Override
    public void close() {
        watches.forEach(Watch::close);
    }
}

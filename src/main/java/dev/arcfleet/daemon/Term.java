package dev.arcfleet.daemon;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.reconcile.FleetReconciler;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Owner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * One leadership term: its own API client, cache manager and reconciler, so that ending the term (closing
 * it) stops every write and directory change it started, even a request in flight. The informer cache is the
 * daemon's and outlives terms: a standby keeps it warm to take over at once.
 */
record Term(KubernetesClient client, CacheManager caches, FleetReconciler reconciler, Instant startedAt)
        implements AutoCloseable {

    /**
     * @param leading the leadership token ({@code LeaderGate.leading()}): the writer asks it before every request,
     *        the cache manager before and during each directory change
     */
    static Term begin(KubernetesClient daemonClient, ArcfleetConfig config, ClusterCache cache, ExecutorService applyPool,
            Runnable requestCycle, BooleanSupplier leading) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(daemonClient.getConfiguration())
                .withKubernetesSerialization(daemonClient.getKubernetesSerialization()).build();
        CacheManager caches = new CacheManager(config.cache(), Owner.of(config).value(), Clock.systemUTC(), cache::cacheUser,
                requestCycle, leading);
        FleetReconciler reconciler = new FleetReconciler(client, config, cache, caches, applyPool, Clock.systemUTC(),
                leading::getAsBoolean);
        return new Term(client, caches, reconciler, Instant.now());
    }

    @Override
    public void close() {
        reconciler.close();
        client.close();
        caches.close();
    }
}

package dev.arcfleet.claims;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.jboss.logging.Logger;

import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.cluster.Ownership;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.OrphanRetention;
import dev.arcfleet.settings.Owner;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The cache claims' life beyond their sets, as a cache directory's: a claim whose set left the configuration (or
 * switched to a hostPath cache) is kept for {@code arcfleet.cache.orphan-retention}, counted from
 * {@link Labels#REMOVED_AT_ANNOTATION}; a set that comes back takes its claim back, uid and contents; after the
 * retention the claim is deleted, but never while a pod refers to it. Works from the informers: a cycle with
 * nothing to do sends nothing.
 */
public final class CacheClaims {

    private static final Logger LOG = Logger.getLogger(CacheClaims.class);

    private final ClusterCache cache;
    private final ApiWriter writer;
    private final OrphanRetention retention;
    private final Owner owner;
    private final Clock clock;
    /** The resourceVersion of each claim (by uid) as this daemon last wrote it here. */
    private final Map<String, String> written = new ConcurrentHashMap<>();
    /** Claims (by uid) this daemon deleted, until the informer shows them terminating or gone. */
    private final Set<String> deletedClaims = ConcurrentHashMap.newKeySet();

    public CacheClaims(ClusterCache cache, ApiWriter writer, OrphanRetention retention, Owner owner, Clock clock) {
        this.cache = cache;
        this.writer = writer;
        this.retention = retention;
        this.owner = owner;
        this.clock = clock;
    }

    /** What a cycle did to the claims: the claims it annotated, as stored, and how many it deleted. */
    public record Changes(List<HasMetadata> annotated, int deleted) {
    }

    /**
     * @param claimSets the sets of the configuration whose caches live in a claim, as {@code namespace/set}; the claims
     *        of all other sets of this owner are orphans, a set's claim in a namespace it moved away from too
     * @param configurationConfirmed asked before an orphan is marked or deleted, as before a prune
     */
    public Changes reconcile(Set<String> claimSets, BooleanSupplier configurationConfirmed) {
        List<HasMetadata> annotated = new ArrayList<>();
        int deleted = 0;
        Boolean confirmed = null;
        for (HasMetadata claim : cache.all(ManagedKind.PERSISTENT_VOLUME_CLAIM).toList()) {
            Optional<String> setName = setOf(claim);
            // A terminating claim is going (a user clearing the cache, or a delete waiting for its last pod).
            // Nor is one whose copy is older than this daemon's last write of it, or that it deleted already: every
            // write here is exact to the version it was decided on, so deciding on an older copy earns a 409 Conflict.
            if (setName.isEmpty() || claim.getMetadata().getDeletionTimestamp() != null || !seenAsWritten(claim)
                    || deletedClaims.contains(claim.getMetadata().getUid())) {
                continue;
            }
            Optional<String> removedAt = Optional.ofNullable(claim.getMetadata().getAnnotations())
                    .map(annotations -> annotations.get(Labels.REMOVED_AT_ANNOTATION));
            try {
                if (claimSets.contains(claim.getMetadata().getNamespace() + "/" + setName.get())) {
                    if (removedAt.isPresent()) {
                        writer.annotate(claim, Labels.REMOVED_AT_ANNOTATION, Optional.empty()).ifPresent(stored -> {
                            annotated.add(stored);
                            remember(stored);
                            LOG.infof("Runner set %s is back: it keeps its cache claim %s", setName.get(), name(claim));
                        });
                    }
                    continue;
                }
                Optional<Instant> since = removedAt.flatMap(CacheClaims::instant);
                if (since.isPresent() && (!due(since.get()) || inUse(claim))) {
                    continue;
                }
                if (confirmed == null) {
                    confirmed = configurationConfirmed.getAsBoolean();
                }
                if (!confirmed) {
                    continue;
                }
                if (since.isEmpty()) {
                    // Also for an unreadable time: the countdown starts again rather than delete on a guess.
                    Instant now = clock.instant();
                    writer.annotate(claim, Labels.REMOVED_AT_ANNOTATION, Optional.of(now.toString())).ifPresent(stored -> {
                        annotated.add(stored);
                        remember(stored);
                        LOG.infof("Cache claim %s: its set left the configuration; kept %s", name(claim),
                                retention.keep().map(keep -> "until " + now.plus(keep)).orElse("for ever"));
                    });
                } else if (!inUse(claim) && writer.deleteUnchanged(claim)) {
                    deletedClaims.add(claim.getMetadata().getUid());
                    // In use is asked again after confirming the configuration, right before the delete: a pod may
                    // have come meanwhile. The delete is exact to the claim as looked at.
                    LOG.infof("Deleted cache claim %s after its orphan retention", name(claim));
                    deleted++;
                }
            } catch (ApiWriter.WriteFailedException e) {
                LOG.warnf("Cache claim %s, retrying next cycle: %s", name(claim), e.getMessage());
            }
        }
        Set<String> pending = cache.all(ManagedKind.PERSISTENT_VOLUME_CLAIM)
                .filter(claim -> claim.getMetadata().getDeletionTimestamp() == null)
                .map(claim -> claim.getMetadata().getUid()).collect(Collectors.toSet());
        written.keySet().retainAll(pending);
        deletedClaims.retainAll(pending);
        return new Changes(annotated, deleted);
    }

    private void remember(HasMetadata stored) {
        written.put(stored.getMetadata().getUid(), stored.getMetadata().getResourceVersion());
    }

    /** Whether the informer's copy of the claim is at least the version this daemon last wrote of it. */
    private boolean seenAsWritten(HasMetadata claim) {
        String version = written.get(claim.getMetadata().getUid());
        return version == null || ClusterCache.atOrAfter(claim.getMetadata().getResourceVersion(), version);
    }

    private boolean inUse(HasMetadata claim) {
        Optional<String> user = cache.claimUser(claim.getMetadata().getNamespace(), name(claim));
        user.ifPresent(what -> LOG.debugf("Cache claim %s is past its retention, but %s refers to it", name(claim), what));
        return user.isPresent();
    }

    private boolean due(Instant removedAt) {
        return retention.keep().map(keep -> !clock.instant().isBefore(removedAt.plus(keep))).orElse(false);
    }

    /** The set whose cache claim this is, if it is one of this owner's. */
    private Optional<String> setOf(HasMetadata claim) {
        Map<String, String> labels = claim.getMetadata().getLabels();
        String setName = labels == null ? null : labels.get(Labels.SET);
        if (setName == null || !name(claim).equals(RunnerSetRenderer.cacheClaimName(setName))
                || Ownership.of(claim, owner) != Ownership.OURS) {
            return Optional.empty();
        }
        return Optional.of(setName);
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String name(HasMetadata claim) {
        return claim.getMetadata().getName();
    }
}

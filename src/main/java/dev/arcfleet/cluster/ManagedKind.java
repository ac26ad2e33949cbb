package dev.arcfleet.cluster;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.arcfleet.arc.ArcApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;

/** The kinds arcfleet manages, in the order they are created. */
public enum ManagedKind {
    SERVICE_ACCOUNT(ServiceAccount.class),
    ROLE(Role.class),
    ROLE_BINDING(RoleBinding.class),
    SECRET(Secret.class),
    CONFIG_MAP(ConfigMap.class),
    /** A set's cache claim: the AutoscalingRunnerSet's pods mount it, so it comes first. */
    PERSISTENT_VOLUME_CLAIM(PersistentVolumeClaim.class),
    AUTOSCALING_RUNNER_SET(ArcApi.AUTOSCALING_RUNNER_SETS.getKind(), ArcApi.AUTOSCALING_RUNNER_SETS.getPlural());

    private final String kind;
    private final String plural;

    ManagedKind(Class<? extends HasMetadata> model) {
        this(HasMetadata.getKind(model), HasMetadata.getPlural(model));
    }

    ManagedKind(String kind, String plural) {
        this.kind = kind;
        this.plural = plural;
    }

    public String kind() {
        return kind;
    }

    /** The resource's name in API paths. */
    public String plural() {
        return plural;
    }

    private static final Map<String, ManagedKind> BY_KIND = Stream.of(values())
            .collect(Collectors.toUnmodifiableMap(ManagedKind::kind, managed -> managed));

    public static ManagedKind of(HasMetadata object) {
        ManagedKind managed = BY_KIND.get(object.getKind());
        if (managed == null) {
            throw new IllegalArgumentException("arcfleet does not manage " + object.getKind());
        }
        return managed;
    }
}

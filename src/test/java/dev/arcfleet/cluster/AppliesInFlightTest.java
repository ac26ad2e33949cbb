package dev.arcfleet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** With no permit, every apply would wait for ever: the daemon refuses to start instead. */
class AppliesInFlightTest {

    @Test
    void noAppliesInFlightIsRefusedAtStart() {
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build()).build()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> new ApiWriter(client, () -> true, 0));
            assertEquals("arcfleet.reconcile.applies-in-flight must be at least 1, not 0", refused.getMessage());
        }
    }
}

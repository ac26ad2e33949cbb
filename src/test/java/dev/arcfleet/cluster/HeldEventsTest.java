package dev.arcfleet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Events held while a cycle writes, then sent: none lost to the backlog, none sent by a deposed leader. */
class HeldEventsTest {

    private final AtomicBoolean leading = new AtomicBoolean(true);
    private KubernetesClient client;
    private String namespace;
    private ApiWriter writer;
    private EventRecorder events;
    private ConfigMap about;

    @BeforeEach
    void setUp() {
        client = TestApiServer.newClient();
        namespace = TestApiServer.freshNamespace(client, "held-events");
        about = client.resource(new ConfigMapBuilder().withNewMetadata().withName("about").withNamespace(namespace)
                .endMetadata().build()).create();
        writer = new ApiWriter(client, leading::get, 1);
        events = new EventRecorder(writer);
    }

    @AfterEach
    void tearDown() {
        writer.close();
        client.close();
    }

    @Test
    void moreHeldEventsThanTheBacklogAreAllSent() {
        int raised = 1_200;
        writer.holdEvents(2 * raised);
        for (int i = 0; i < raised; i++) {
            events.normal(about, "Held", "event " + i);
        }

        writer.sendHeldEvents();

        Poll.until(FleetFixture.TIMEOUT, raised + " Events sent", () -> reasons().size(), sent -> sent == raised);
    }

    @Test
    void heldEventsAreNotSentOnceTheTokenLapsed() {
        writer.holdEvents(10);
        events.normal(about, "BeforeTheLapse", "raised while leading");
        leading.set(false);
        writer.sendHeldEvents();
        leading.set(true);

        events.normal(about, "AfterTheLapse", "sent after the held ones, by the same sender");

        Poll.until(FleetFixture.TIMEOUT, "the later Event", () -> reasons().contains("AfterTheLapse"));
        assertEquals(List.of("AfterTheLapse"), reasons());
    }

    private List<String> reasons() {
        return client.v1().events().inNamespace(namespace).list().getItems().stream().map(Event::getReason).toList();
    }
}

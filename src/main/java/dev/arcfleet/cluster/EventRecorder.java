package dev.arcfleet.cluster;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;

/**
 * Kubernetes Events a person sees with {@code kubectl describe}. A problem that persists is recorded
 * once, not every cycle: an event is only sent when an object's message for a reason changes.
 */
public final class EventRecorder {

    private static final String COMPONENT = "arcfleet";

    private final ApiWriter writer;
    /** The last warning per problem; a problem is about a set (or "" for the whole configuration). */
    private final Map<Key, String> lastMessages = new ConcurrentHashMap<>();

    private record Key(String kind, String name, String uid, String reason, String about) {
    }

    public EventRecorder(ApiWriter writer) {
        this.writer = writer;
    }

    /** {@code about} tells apart problems of one reason on one object, such as conflicts of different sets. */
    public void warning(HasMetadata object, String reason, String about, String message) {
        record(object, "Warning", reason, about, message);
    }

    /** A one-off fact, such as a set created: recorded every time, remembered never. */
    public void normal(HasMetadata object, String reason, String message) {
        send(object, "Normal", reason, message);
    }

    /** Forgets a problem that no longer applies, so its return is recorded again. */
    public void resolved(HasMetadata object, String reason, String about) {
        lastMessages.remove(key(object, reason, about));
    }

    /** Forgets problems of sets that left the fleet, so nothing here outgrows the fleet. */
    public void retain(Set<String> setNames) {
        lastMessages.keySet().removeIf(key -> !key.about().isEmpty() && !setNames.contains(key.about()));
    }

    private void record(HasMetadata object, String type, String reason, String about, String message) {
        if (Objects.equals(lastMessages.put(key(object, reason, about), message), message)) {
            return;
        }
        send(object, type, reason, message);
    }

    private void send(HasMetadata object, String type, String reason, String message) {
        String now = Instant.now().toString();
        writer.createEvent(new EventBuilder()
                .withNewMetadata().withGenerateName(object.getMetadata().getName() + ".")
                .withNamespace(object.getMetadata().getNamespace()).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(object.getApiVersion())
                        .withKind(object.getKind()).withName(object.getMetadata().getName())
                        .withNamespace(object.getMetadata().getNamespace()).withUid(object.getMetadata().getUid()).build())
                .withType(type).withReason(reason).withMessage(message)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build());
    }

    private static Key key(HasMetadata object, String reason, String about) {
        return new Key(object.getKind(), object.getMetadata().getName(), object.getMetadata().getUid(), reason, about);
    }
}

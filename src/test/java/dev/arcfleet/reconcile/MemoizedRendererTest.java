package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.cluster.RenderedObject;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.Runners;

/** An idle cycle renders nothing again; any change of what a set is rendered from renders it anew. */
class MemoizedRendererTest {

    private static final ClusterFacts FACTS = new ClusterFacts("arc-runners", "https://github.com",
            new ArcController("0.13.0", "arc-gha-rs-controller", "arc-systems"), 30, "/tmp/github-runner-cache",
            "arc-runners.arcfleet-repositories");
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_first");

    private static final Runners AS_CONFIGURED = Runners.AS_CONFIGURED;

    private final MemoizedRenderer renderer = new MemoizedRenderer();

    @Test
    void theSameInputsParsedAgainGiveTheSameObjects() throws InvalidFleetConfigException {
        RenderedSet first = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS, TOKEN, AS_CONFIGURED));

        RenderedSet again = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS,
                new GithubCredentials.Token("ghp_first"), AS_CONFIGURED));

        assertSame(first, again);
    }

    @Test
    void eachInputRendersAnew() throws InvalidFleetConfigException {
        RenderedSet first = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS, TOKEN, AS_CONFIGURED));

        RenderedSet otherValues = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"), FACTS, TOKEN, AS_CONFIGURED));
        RenderedSet rotated = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"), FACTS,
                new GithubCredentials.Token("ghp_rotated"), AS_CONFIGURED));
        RenderedSet drained = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"), FACTS,
                new GithubCredentials.Token("ghp_rotated"), Runners.DRAINED));
        RenderedSet newController = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"),
                new ClusterFacts(FACTS.namespace(), FACTS.githubUrl(), new ArcController("0.14.0", "arc-gha-rs-controller",
                        "arc-systems"), 30, FACTS.cacheNodeRoot(), FACTS.owner()), new GithubCredentials.Token("ghp_rotated"), AS_CONFIGURED));

        assertNotSame(first, otherValues);
        assertNotSame(otherValues, rotated);
        assertNotSame(rotated, drained);
        assertNotSame(drained, newController);
    }

    @Test
    void aRenderingAsTextNamesItsObjectsAndNeverTheCredentials() throws InvalidFleetConfigException {
        RenderedSet rendered = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS, TOKEN, AS_CONFIGURED));
        RenderedObject secret = rendered.allObjects().stream()
                .filter(object -> object.kind() == ManagedKind.SECRET).findFirst().orElseThrow();
        String encodedToken = Base64.getEncoder().encodeToString("ghp_first".getBytes(StandardCharsets.UTF_8));

        assertTrue(secret.body().contains(encodedToken), "the request body carries the credentials");
        String text = rendered.toString();
        assertTrue(text.contains("Secret arc-runner-acme-widgets-1-gha-rs-github-secret"), text);
        assertFalse(text.contains(encodedToken) || text.contains("ghp_first"), text);
    }

    private static RunnerSet set(String values) throws InvalidFleetConfigException {
        return new FleetConfigParser().parse("repositories:\n  - name: acme/widgets\n    " + values + "\n").runnerSets().get(0);
    }
}

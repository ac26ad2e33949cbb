package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

import dev.arcfleet.config.FleetConfigParser;
import dev.arcfleet.config.InvalidFleetConfigException;
import dev.arcfleet.config.RunnerSet;
import dev.arcfleet.render.ArcController;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.DesiredRunnerSet;
import dev.arcfleet.render.GithubCredentials;

/** An idle cycle renders nothing again; any change of what a set is rendered from renders it anew. */
class MemoizedRendererTest {

    private static final ClusterFacts FACTS = new ClusterFacts("arc-runners", "https://github.com",
            new ArcController("0.13.0", "arc-gha-rs-controller", "arc-systems"), 30, "/tmp/github-runner-cache",
            "arc-runners.arcfleet-repositories");
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_first");

    private final MemoizedRenderer renderer = new MemoizedRenderer();

    @Test
    void theSameInputsParsedAgainGiveTheSameObjects() throws InvalidFleetConfigException {
        DesiredRunnerSet first = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS, TOKEN));

        DesiredRunnerSet again = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS,
                new GithubCredentials.Token("ghp_first")));

        assertSame(first, again);
    }

    @Test
    void eachInputRendersAnew() throws InvalidFleetConfigException {
        DesiredRunnerSet first = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 1"), FACTS, TOKEN));

        DesiredRunnerSet otherValues = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"), FACTS, TOKEN));
        DesiredRunnerSet rotated = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"), FACTS,
                new GithubCredentials.Token("ghp_rotated")));
        DesiredRunnerSet newController = renderer.render(new MemoizedRenderer.Inputs(set("maxRunners: 2"),
                new ClusterFacts(FACTS.namespace(), FACTS.githubUrl(), new ArcController("0.14.0", "arc-gha-rs-controller",
                        "arc-systems"), 30, FACTS.cacheNodeRoot(), FACTS.owner()), new GithubCredentials.Token("ghp_rotated")));

        assertNotSame(first, otherValues);
        assertNotSame(otherValues, rotated);
        assertNotSame(rotated, newController);
    }

    private static RunnerSet set(String values) throws InvalidFleetConfigException {
        return new FleetConfigParser().parse("repositories:\n  - name: acme/widgets\n    " + values + "\n").runnerSets().get(0);
    }
}

package dev.arcfleet.render;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ChartValues.GithubServerTls;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.RunnerPaths;
import dev.arcfleet.chart.RunnerPodNames;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The runner pod template, as the chart renders {@code template} in each container mode
 * ({@code autoscalingrunnerset.yaml} and {@code _helpers.tpl}, 0.13.0 to 0.14.2), then arcfleet's cache mounts:
 * <ul>
 * <li>the user's {@code runner} container keeps its fields, and only those: the chart's command is its values.yaml's,
 * rendered only while the template gives no containers of its own; its env and volumeMounts come first, and the
 * mode's own follow unless the user named them already;</li>
 * <li>other containers, init containers and volumes follow the mode's; a user volume {@code work} replaces the
 * mode's;</li>
 * <li>every other pod field is the user's; {@code restartPolicy} defaults to Never and {@code serviceAccountName}
 * to the mode's ServiceAccount.</li>
 * </ul>
 */
final class RunnerPodTemplate {

    static final String HOOK_TEMPLATE_KEY = "content";
    private static final String RUNNER = RunnerPodNames.RUNNER_CONTAINER;
    private static final String WORK = RunnerPodNames.WORK_VOLUME;
    private static final String DIND_SOCKET = RunnerPodNames.DIND_SOCKET_VOLUME;
    private static final String DIND_EXTERNALS = RunnerPodNames.DIND_EXTERNALS_VOLUME;
    private static final int NATIVE_SIDECAR_MINOR_VERSION = 29;

    private static final KubernetesSerialization SERIALIZATION = RunnerSetRenderer.SERIALIZATION;

    private RunnerPodTemplate() {
    }

    static PodTemplateSpec of(RunnerSet set, ClusterFacts facts) {
        RepositoryConfig repository = set.repository();
        ChartValues chart = repository.chart();
        ContainerMode mode = repository.containerMode();
        // The configuration's objects are shared; everything below works on copies.
        PodTemplateSpec user = chart.template().map(SERIALIZATION::clone).orElseGet(PodTemplateSpec::new);
        PodSpec userSpec = Optional.ofNullable(user.getSpec()).orElseGet(PodSpec::new);
        Optional<GithubServerTls> runnerTls = chart.githubServerTls().filter(tls -> tls.runnerMountPath().isPresent());

        // A clone is written and read back, and the first read builds readers for every type a pod spec can hold: about
        // 100 ms of a new JVM's first rendering (C1 only). A spec the user did not give has nothing to copy.
        PodSpec pod = user.getSpec() == null ? new PodSpec() : SERIALIZATION.clone(userSpec);
        pod.setContainers(new ArrayList<>());
        pod.setInitContainers(new ArrayList<>());
        pod.setVolumes(new ArrayList<>());
        if (pod.getRestartPolicy() == null) {
            pod.setRestartPolicy("Never");
        }
        if (pod.getServiceAccountName() == null) {
            pod.setServiceAccountName(mode.usesKubeModeServiceAccount() ? RunnerSetRenderer.kubeModeName(set.name())
                    : RunnerSetRenderer.noPermissionName(set.name()));
        }
        Container runner = runner(set, facts, userSpec, runnerTls);
        List<Container> others = userSpec.getContainers().stream().filter(container -> !RUNNER.equals(container.getName()))
                .toList();
        List<Volume> userVolumes = userSpec.getVolumes();
        runnerTls.ifPresent(tls -> pod.getVolumes().add(tlsVolume(tls)));
        switch (mode) {
            case KUBERNETES -> {
                pod.getContainers().add(runner);
                pod.getContainers().addAll(others);
                pod.getInitContainers().addAll(userSpec.getInitContainers());
                pod.getVolumes().add(named(userVolumes, WORK).orElseGet(() -> kubernetesWorkVolume(repository)));
                pod.getVolumes().addAll(without(userVolumes, WORK));
            }
            case KUBERNETES_NOVOLUME, NONE -> {
                if (mode == ContainerMode.NONE) {
                    pod.getContainers().addAll(inUserOrder(userSpec.getContainers(), runner));
                } else {
                    pod.getContainers().add(runner);
                    pod.getContainers().addAll(others);
                }
                pod.getInitContainers().addAll(userSpec.getInitContainers());
                pod.getVolumes().addAll(userVolumes);
            }
            case DIND -> {
                boolean nativeSidecar = facts.kubernetesMinorVersion() >= NATIVE_SIDECAR_MINOR_VERSION;
                Container dind = dindContainer(chart.dind(), nativeSidecar, cacheMounts(set));
                pod.getInitContainers().add(dindExternals(repository));
                if (nativeSidecar) {
                    pod.getInitContainers().add(dind);
                }
                pod.getInitContainers().addAll(userSpec.getInitContainers());
                pod.getContainers().add(runner);
                if (!nativeSidecar) {
                    pod.getContainers().add(dind);
                }
                pod.getContainers().addAll(others);
                pod.getVolumes().add(emptyDir(DIND_SOCKET));
                pod.getVolumes().add(emptyDir(DIND_EXTERNALS));
                pod.getVolumes().add(named(userVolumes, WORK).orElseGet(() -> emptyDir(WORK)));
                pod.getVolumes().addAll(without(userVolumes, WORK));
            }
        }
        pod.getVolumes().addAll(cacheVolumes(set, facts));
        if (mode.usesKubeModeServiceAccount()) {
            pod.getVolumes().add(new VolumeBuilder().withName(RunnerPodNames.HOOK_TEMPLATE_VOLUME).withNewConfigMap()
                    .withName(RunnerSetRenderer.hookTemplateName(set.name())).endConfigMap().build());
        }
        PodTemplateSpec template = new PodTemplateSpec();
        template.setMetadata(templateMetadata(user.getMetadata()));
        template.setSpec(pod);
        return template;
    }

    /** The chart takes only labels and annotations of {@code template.metadata}. */
    private static ObjectMeta templateMetadata(ObjectMeta user) {
        if (user == null) {
            return null;
        }
        return new ObjectMetaBuilder().withLabels(user.getLabels()).withAnnotations(user.getAnnotations()).build();
    }

    private static Container runner(RunnerSet set, ClusterFacts facts, PodSpec userSpec, Optional<GithubServerTls> tls) {
        RepositoryConfig repository = set.repository();
        ContainerMode mode = repository.containerMode();
        Container runner = userSpec.getContainers().stream().filter(container -> RUNNER.equals(container.getName()))
                .findFirst().map(SERIALIZATION::clone).orElseGet(() -> new ContainerBuilder().withName(RUNNER).build());
        runner.setImage(repository.runnerImage());
        // The command is the chart's values.yaml's, in its container list; a template's own list replaces that one
        // (Helm merges maps, not lists), and the chart then copies only the user's keys into the runner.
        if (userSpec.getContainers().isEmpty()) {
            runner.setCommand(List.of(RunnerPodNames.RUNNER_COMMAND));
        }
        List<EnvVar> defaults = new ArrayList<>(switch (mode) {
            case KUBERNETES -> kubernetesModeEnv(RunnerPaths.KUBERNETES_HOOKS);
            case KUBERNETES_NOVOLUME -> {
                List<EnvVar> env = new ArrayList<>(kubernetesModeEnv(RunnerPaths.KUBERNETES_NOVOLUME_HOOKS));
                env.add(env(RunnerPodNames.RUNNER_IMAGE_ENV, repository.runnerImage()));
                yield env;
            }
            case DIND -> List.of(env("DOCKER_HOST", "unix:///var/run/docker.sock"),
                    env("RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "120"));
            case NONE -> List.<EnvVar>of();
        });
        tls.ifPresent(certificate -> {
            defaults.add(env("NODE_EXTRA_CA_CERTS", tlsMountPath(certificate)));
            defaults.add(env("RUNNER_UPDATE_CA_CERTS", "1"));
        });
        Set<String> userEnv = runner.getEnv().stream().map(EnvVar::getName).collect(Collectors.toSet());
        List<EnvVar> env = new ArrayList<>(runner.getEnv());
        defaults.stream().filter(variable -> !userEnv.contains(variable.getName())).forEach(env::add);
        if (mode.usesKubeModeServiceAccount()) {
            env.add(env(RunnerPodNames.HOOK_TEMPLATE_ENV, RunnerPaths.HOOK_TEMPLATE_DIRECTORY + "/" + HOOK_TEMPLATE_KEY));
        }
        runner.setEnv(env);

        List<VolumeMount> defaultMounts = new ArrayList<>(switch (mode) {
            case KUBERNETES -> List.of(mount(WORK, RunnerPaths.WORK_DIRECTORY));
            case DIND -> List.of(mount(WORK, RunnerPaths.WORK_DIRECTORY), mount(DIND_SOCKET, RunnerPaths.DIND_SOCKET_DIRECTORY));
            case KUBERNETES_NOVOLUME, NONE -> List.<VolumeMount>of();
        });
        tls.ifPresent(certificate -> defaultMounts.add(new VolumeMountBuilder().withName(RunnerPodNames.TLS_VOLUME)
                .withMountPath(tlsMountPath(certificate)).withSubPath(certificate.key()).build()));
        Set<String> userMounts = runner.getVolumeMounts().stream().map(VolumeMount::getName).collect(Collectors.toSet());
        List<VolumeMount> mounts = new ArrayList<>(runner.getVolumeMounts());
        defaultMounts.stream().filter(mount -> !userMounts.contains(mount.getName())).forEach(mounts::add);
        mounts.addAll(cacheMounts(set));
        if (mode.usesKubeModeServiceAccount()) {
            mounts.add(new VolumeMountBuilder().withName(RunnerPodNames.HOOK_TEMPLATE_VOLUME).withMountPath(RunnerPaths.HOOK_TEMPLATE_DIRECTORY)
                    .withReadOnly(true).build());
        }
        runner.setVolumeMounts(mounts);
        return runner;
    }

    /**
     * Without containerMode the chart renders the containers of {@code template} alone, in their order: the user's
     * list, or else values.yaml's, the runner alone. A user's list without a runner has none.
     */
    private static List<Container> inUserOrder(List<Container> userContainers, Container runner) {
        if (userContainers.isEmpty()) {
            return List.of(runner);
        }
        return userContainers.stream().map(container -> RUNNER.equals(container.getName()) ? runner : container).toList();
    }

    private static Optional<Volume> named(List<Volume> volumes, String name) {
        return volumes.stream().filter(volume -> name.equals(volume.getName())).findFirst();
    }

    private static List<Volume> without(List<Volume> volumes, String name) {
        return volumes.stream().filter(volume -> !name.equals(volume.getName())).toList();
    }

    private static Volume kubernetesWorkVolume(RepositoryConfig repository) {
        return new VolumeBuilder().withName(WORK).withNewEphemeral().withNewVolumeClaimTemplate().withNewSpec()
                .withAccessModes(repository.workVolumeClaimTemplate().accessModes())
                .withStorageClassName(repository.workVolumeClaimTemplate().storageClassName().orElse(null))
                .withNewResources().addToRequests("storage", new Quantity(repository.workVolumeClaimTemplate().storage()))
                .endResources()
                .endSpec().endVolumeClaimTemplate().endEphemeral().build();
    }

    private static Container dindExternals(RepositoryConfig repository) {
        return new ContainerBuilder().withName(RunnerPodNames.DIND_EXTERNALS_CONTAINER).withImage(repository.runnerImage())
                .withCommand("cp")
                .withArgs("-r", RunnerPaths.EXTERNALS_DIRECTORY + "/.", RunnerPaths.DIND_EXTERNALS_COPY_DIRECTORY + "/")
                .withVolumeMounts(mount(DIND_EXTERNALS, RunnerPaths.DIND_EXTERNALS_COPY_DIRECTORY)).build();
    }

    /** Job containers started through dind resolve bind mounts inside dind, so it sees the caches at the same paths. */
    private static Container dindContainer(ChartValues.Dind settings, boolean nativeSidecar, List<VolumeMount> cacheMounts) {
        ContainerBuilder dind = new ContainerBuilder().withName(RunnerPodNames.DIND_CONTAINER).withImage(settings.image())
                .withArgs(settings.args())
                .withEnv(env("DOCKER_GROUP_GID", "123"))
                .withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .withVolumeMounts(mount(WORK, RunnerPaths.WORK_DIRECTORY), mount(DIND_SOCKET, RunnerPaths.DIND_SOCKET_DIRECTORY),
                        mount(DIND_EXTERNALS, RunnerPaths.EXTERNALS_DIRECTORY))
                .addAllToVolumeMounts(cacheMounts);
        if (nativeSidecar) {
            dind.withRestartPolicy("Always")
                    .withNewStartupProbe().withNewExec().withCommand("docker", "info").endExec()
                    .withInitialDelaySeconds(0).withFailureThreshold(24).withPeriodSeconds(5).endStartupProbe();
        }
        return dind.build();
    }

    private static Volume tlsVolume(GithubServerTls tls) {
        return new VolumeBuilder().withName(RunnerPodNames.TLS_VOLUME).withNewConfigMap().withName(tls.configMapName())
                .addNewItem().withKey(tls.key()).withPath(tls.key()).endItem().endConfigMap().build();
    }

    /** The chart's {@code clean (print runnerMountPath "/" key)}. */
    private static String tlsMountPath(GithubServerTls tls) {
        return Path.of(tls.runnerMountPath().orElseThrow(), tls.key()).normalize().toString();
    }

    private static List<EnvVar> kubernetesModeEnv(String hooksPath) {
        return List.of(
                env(RunnerPodNames.HOOKS_ENV, hooksPath),
                new EnvVarBuilder().withName(RunnerPodNames.POD_NAME_ENV).withNewValueFrom().withNewFieldRef()
                        .withFieldPath("metadata.name").endFieldRef().endValueFrom().build(),
                env(RunnerPodNames.REQUIRE_JOB_CONTAINER_ENV, "true"));
    }

    /** A claim's caches are subdirectories of its one volume, named as the caches are. */
    static List<VolumeMount> cacheMounts(RunnerSet set) {
        boolean claim = set.repository().cacheClaim().isPresent();
        return set.repository().cachePaths().stream()
                .map(cache -> claim
                        ? new VolumeMountBuilder().withName(RunnerPodNames.CACHE_CLAIM_VOLUME).withMountPath(cache.path())
                                .withSubPath(cache.name()).build()
                        : mount(cache.volumeName(), cache.path()))
                .toList();
    }

    /**
     * The claim's one volume, or a hostPath per cache of type Directory: a missing directory fails the pod visibly
     * instead of appearing root-owned on the node.
     */
    static List<Volume> cacheVolumes(RunnerSet set, ClusterFacts facts) {
        if (set.repository().cacheClaim().isPresent()) {
            return List.of(new VolumeBuilder().withName(RunnerPodNames.CACHE_CLAIM_VOLUME).withNewPersistentVolumeClaim()
                    .withClaimName(RunnerSetRenderer.cacheClaimName(set.name())).endPersistentVolumeClaim().build());
        }
        return set.repository().cachePaths().stream()
                .map(cache -> new VolumeBuilder().withName(cache.volumeName()).withNewHostPath()
                        .withPath(RunnerSetRenderer.cacheNodePath(facts, set.name(), cache)).withType("Directory")
                        .endHostPath().build())
                .toList();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static VolumeMount mount(String volume, String path) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).build();
    }

    private static Volume emptyDir(String name) {
        return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
    }
}

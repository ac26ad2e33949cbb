/**
 * The Kubernetes edge: the informer cache that every cycle reads, the writer that applies and deletes (each request
 * only while the {@link dev.arcfleet.cluster.WriteFence}, the leadership token, holds), Events,
 * the API server's reachability and the ARC controller's discovery.
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.chart}, {@code dev.arcfleet.fleet},
 * {@code dev.arcfleet.render}, {@code dev.arcfleet.settings}.
 */
package dev.arcfleet.cluster;

package dev.berth.supervisor.container;

import java.time.Instant;
import java.util.Map;

/**
 * A container as the supervisor keeps it: metadata only. Its OCI spec is stored beside this record as
 * the bytes the client sent ({@code spec.json}); its writable snapshot is keyed by the container id.
 *
 * @param image the image id (config digest) the snapshot stands on, or empty for an empty rootfs
 * @param runtime a runtime name the supervisor knows ("berth", "runc", "crun") or an absolute path
 */
public record ContainerRecord(String id, String image, String runtime, Map<String, String> labels, Instant createdAt) {
  public ContainerRecord {
    labels = Map.copyOf(labels);
  }
}

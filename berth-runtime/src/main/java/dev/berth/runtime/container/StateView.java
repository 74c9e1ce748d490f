package dev.berth.runtime.container;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/** The state as `state` and `list --format json` print it: the OCI state schema plus runc's fields. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner", "annotations"})
public record StateView(
    String ociVersion,
    String id,
    @JsonInclude(JsonInclude.Include.ALWAYS) int pid,
    String status,
    String bundle,
    String rootfs,
    String created,
    @JsonInclude(JsonInclude.Include.ALWAYS) String owner,
    Map<String, String> annotations) {}

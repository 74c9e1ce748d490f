package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.error.InvalidArgument;
import java.time.Duration;

/**
 * Docker's restart policies: no, always, unless-stopped, on-failure[:N]. A restart waits 100 ms,
 * doubling after each restart that follows a short run, back to 100 ms after a run of 10 s or more.
 */
record RestartPolicy(String name, int maximumRetryCount) {
  static final Duration FIRST_DELAY = Duration.ofMillis(100);
  static final Duration MAX_DELAY = Duration.ofMinutes(1);
  static final Duration STABLE_RUN = Duration.ofSeconds(10);

  static RestartPolicy of(JsonNode hostConfig) {
    JsonNode p = hostConfig.path("RestartPolicy");
    String name = p.path("Name").asText("");
    int max = p.path("MaximumRetryCount").asInt(0);
    RestartPolicy policy = new RestartPolicy(name.isEmpty() ? "no" : name, max);
    switch (policy.name()) {
      case "no", "always", "unless-stopped" -> {
        if (max != 0) {
          throw new InvalidArgument("invalid restart policy: maximum retry count can only be used with 'on-failure'");
        }
      }
      case "on-failure" -> {
        if (max < 0) throw new InvalidArgument("invalid restart policy: maximum retry count cannot be negative");
      }
      default -> throw new InvalidArgument("invalid restart policy: unknown policy '" + policy.name()
          + "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
    }
    if (!policy.name().equals("no") && hostConfig.path("AutoRemove").asBoolean(false)) {
      throw new InvalidArgument("conflicting options: cannot specify both --restart and --rm");
    }
    return policy;
  }

  /** Whether a container that exited with {@code exitCode} after {@code restarts} restarts comes back. */
  boolean restarts(int exitCode, int restarts, boolean manuallyStopped) {
    if (manuallyStopped) return false;
    return switch (name) {
      case "always", "unless-stopped" -> true;
      case "on-failure" -> exitCode != 0 && (maximumRetryCount == 0 || restarts < maximumRetryCount);
      default -> false;
    };
  }

  /** The wait before the next restart, given the previous wait and how long the container ran. */
  static Duration delay(Duration previous, Duration ran) {
    if (previous == null || ran.compareTo(STABLE_RUN) >= 0) return FIRST_DELAY;
    Duration doubled = previous.multipliedBy(2);
    return doubled.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : doubled;
  }
}

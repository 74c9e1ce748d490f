package dev.berth.daemon.containers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's health as Docker reports it in State.Health: starting, healthy or unhealthy, the
 * current run of failures, and the last {@link #KEPT} probes.
 */
public record Health(String status, int failingStreak, List<Probe> log) {
  static final int KEPT = 5;

  /** One probe: when it ran, its exit code (-1: it timed out) and the start of its output. */
  public record Probe(Instant start, Instant end, int exitCode, String output) {}

  static Health starting() {
    return new Health("starting", 0, List.of());
  }

  /** The health after {@code probe}; failures count only once the start period is over. */
  Health after(Probe probe, int retries, boolean inStartPeriod) {
    List<Probe> kept = new ArrayList<>(log);
    kept.add(probe);
    while (kept.size() > KEPT) kept.remove(0);
    if (probe.exitCode() == 0) return new Health("healthy", 0, List.copyOf(kept));
    if (inStartPeriod) return new Health(status, failingStreak, List.copyOf(kept));
    int streak = failingStreak + 1;
    return new Health(streak >= retries ? "unhealthy" : status, streak, List.copyOf(kept));
  }
}

package dev.berth.supervisor.shim;

import java.time.Instant;

/**
 * Which records {@code logs} wants, with Docker's meanings.
 *
 * @param since records at or after this time, or null for all
 * @param until records before this time, or null for all
 * @param tail the last this many records (after the other filters), or -1 for all
 */
public record LogQuery(Instant since, Instant until, int tail, boolean stdout, boolean stderr) {
  public LogQuery {
    if (tail < -1) throw new dev.berth.common.error.InvalidArgument("tail must be -1 (all) or a count: " + tail);
  }

  public static LogQuery all() {
    return new LogQuery(null, null, -1, true, true);
  }

  public LogQuery withTail(int n) {
    return new LogQuery(since, until, n, stdout, stderr);
  }

  public LogQuery withSince(Instant t) {
    return new LogQuery(t, until, tail, stdout, stderr);
  }

  public LogQuery withUntil(Instant t) {
    return new LogQuery(since, t, tail, stdout, stderr);
  }

  boolean wantsStream(String stream) {
    return stream.equals("stdout") ? stdout : stream.equals("stderr") && stderr;
  }

  boolean before(Instant time) {
    return since != null && time.isBefore(since);
  }

  boolean reachedUntil(Instant time) {
    return until != null && !time.isBefore(until);
  }
}

package dev.berth.runtime.spec;

import dev.berth.common.error.InvalidArgument;
import java.util.List;

/** RLIMIT_* names and their numbers on Linux. */
public final class Rlimits {
  /** Index = resource number. */
  public static final List<String> NAMES = List.of(
      "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
      "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
      "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

  private Rlimits() {}

  public static int number(String name) {
    int n = NAMES.indexOf(name);
    if (n < 0) {
      throw new InvalidArgument("unknown rlimit type \"" + name + "\"");
    }
    return n;
  }
}

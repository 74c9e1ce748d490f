package dev.berth.common.signal;

import dev.berth.common.error.InvalidArgument;
import java.util.List;

/** Signal names and numbers on Linux x86_64, accepted with or without the SIG prefix. */
public final class Signals {
  /** Index = signal number. */
  private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS",
      "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
      "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

  private Signals() {}

  public static int parse(String text) {
    if (text.chars().allMatch(Character::isDigit) && !text.isEmpty()) {
      int n = Integer.parseInt(text);
      if (n < 1 || n > 64) {
        throw new InvalidArgument("invalid signal number " + text);
      }
      return n;
    }
    String name = text.toUpperCase();
    if (name.startsWith("SIG")) {
      name = name.substring(3);
    }
    int n = NAMES.indexOf(name);
    if (n <= 0) {
      if (name.startsWith("RTMIN")) {
        return 34 + offset(name.substring(5), text);
      }
      if (name.startsWith("RTMAX")) {
        return 64 + offset(name.substring(5), text);
      }
      throw new InvalidArgument("unknown signal \"" + text + "\"");
    }
    return n;
  }

  private static int offset(String rest, String text) {
    if (rest.isEmpty()) {
      return 0;
    }
    try {
      return Integer.parseInt(rest);
    } catch (NumberFormatException e) {
      throw new InvalidArgument("unknown signal \"" + text + "\"");
    }
  }
}

package dev.berth.daemon.server;

import dev.berth.common.error.InvalidArgument;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Engine API version negotiation as Docker does it: /v1.xx/ prefixes from 1.24 to 1.50, or none. */
public final class ApiVersion {
  public static final String CURRENT = "1.50";
  public static final String MINIMUM = "1.24";
  private static final Pattern PREFIX = Pattern.compile("^/v(\\d+\\.\\d+)(/.*)$");

  private ApiVersion() {}

  /** [version, path without the prefix]; refuses versions outside the supported range. */
  public static String[] split(String path) {
    Matcher m = PREFIX.matcher(path);
    if (!m.matches()) {
      return new String[] {CURRENT, path};
    }
    String v = m.group(1);
    if (compare(v, CURRENT) > 0) {
      throw new InvalidArgument("client version " + v + " is too new. Maximum supported API version is " + CURRENT);
    }
    if (compare(v, MINIMUM) < 0) {
      throw new InvalidArgument("client version " + v + " is too old. Minimum supported API version is " + MINIMUM
          + ", please upgrade your client to a newer version");
    }
    return new String[] {v, m.group(2)};
  }

  public static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
    return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
  }
}

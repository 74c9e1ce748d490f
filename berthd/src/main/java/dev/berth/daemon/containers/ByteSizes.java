package dev.berth.daemon.containers;

import dev.berth.common.error.InvalidArgument;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Docker's human sizes ("10m", "1g", "512k", "100"): binary multiples, as go-units RAMInBytes. */
final class ByteSizes {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(?:i?b)?");

  private ByteSizes() {}

  static long parse(String text) {
    Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) throw new InvalidArgument("invalid size: '" + text + "'");
    double n = Double.parseDouble(m.group(1));
    int power = "kmgtp".indexOf(m.group(2)) + 1;
    return (long) (n * Math.pow(1024, m.group(2).isEmpty() ? 0 : power));
  }
}

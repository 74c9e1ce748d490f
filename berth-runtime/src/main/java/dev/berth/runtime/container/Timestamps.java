package dev.berth.runtime.container;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Instant.toString() (ISO-8601 in UTC, the fraction in groups of three digits as needed), written out
 * by hand: Instant.toString() initialises java.time's formatters, which costs a short-lived
 * `berth-runtime` command milliseconds for one timestamp.
 */
public final class Timestamps {
  private Timestamps() {}

  public static String now() {
    return format(Instant.now());
  }

  /** The same text as {@code t.toString()} for years 0 to 9999. */
  public static String format(Instant t) {
    long secs = t.getEpochSecond();
    long days = Math.floorDiv(secs, 86_400);
    int secOfDay = (int) Math.floorMod(secs, 86_400);
    LocalDate date = LocalDate.ofEpochDay(days);
    if (date.getYear() < 0 || date.getYear() > 9999) {
      return t.toString();
    }
    StringBuilder sb = new StringBuilder(30);
    pad(sb, date.getYear(), 4).append('-');
    pad(sb, date.getMonthValue(), 2).append('-');
    pad(sb, date.getDayOfMonth(), 2).append('T');
    pad(sb, secOfDay / 3600, 2).append(':');
    pad(sb, secOfDay / 60 % 60, 2).append(':');
    pad(sb, secOfDay % 60, 2);
    int nano = t.getNano();
    if (nano != 0) {
      sb.append('.');
      if (nano % 1_000_000 == 0) {
        pad(sb, nano / 1_000_000, 3);
      } else if (nano % 1_000 == 0) {
        pad(sb, nano / 1_000, 6);
      } else {
        pad(sb, nano, 9);
      }
    }
    return sb.append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder sb, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      sb.append('0');
    }
    return sb.append(digits);
  }
}

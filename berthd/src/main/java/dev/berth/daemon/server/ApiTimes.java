package dev.berth.daemon.server;

import dev.berth.common.error.InvalidArgument;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Times in query parameters (since, until): unix seconds with an optional fraction, or RFC 3339. */
public final class ApiTimes {
  private ApiTimes() {}

  /** The time, or null when the parameter is absent or empty. */
  public static Instant parse(String value) {
    if (value == null || value.isEmpty()) return null;
    try {
      BigDecimal s = new BigDecimal(value);
      return Instant.ofEpochSecond(s.longValue(), s.remainder(BigDecimal.ONE).movePointRight(9).intValue());
    } catch (NumberFormatException e) {
      try {
        return Instant.parse(value);
      } catch (DateTimeParseException e2) {
        throw new InvalidArgument("invalid time value: " + value);
      }
    }
  }
}

package dev.berth.images.service;

import dev.berth.common.error.InvalidArgument;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times an {@code until} filter takes, as Docker reads them: a Go duration before now
 * ({@code 10m}, {@code 1h30m}), seconds since the epoch ({@code 1700000000.5}), or an RFC 3339 date or
 * date-time, in the daemon's zone when it names none.
 */
final class Timestamps {
  private static final Pattern DURATION = Pattern.compile("([-+]?)((?:[0-9]*(?:\\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+)");
  private static final Pattern PART = Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)");
  private static final Pattern UNIX = Pattern.compile("[0-9]+(?:\\.[0-9]{1,9})?");
  private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
      "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
  private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder()
      .appendPattern("uuuu-MM-dd")
      .optionalStart().appendLiteral('T').appendPattern("HH")
      .optionalStart().appendLiteral(':').appendPattern("mm")
      .optionalStart().appendLiteral(':').appendPattern("ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .optionalEnd().optionalEnd().optionalEnd()
      .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
      .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
      .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
      .parseDefaulting(ChronoField.SECOND_OF_MINUTE, 0)
      .toFormatter();

  private Timestamps() {}

  static Instant parse(String value, Instant now) {
    Matcher d = DURATION.matcher(value);
    if (d.matches()) return now.minusNanos(nanos(d.group(2)) * (d.group(1).equals("-") ? -1 : 1));
    if (UNIX.matcher(value).matches()) {
      BigDecimal seconds = new BigDecimal(value);
      return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
    }
    try {
      TemporalAccessor t = DATE_TIME.parse(value.replace('z', 'Z'));
      LocalDateTime local = LocalDateTime.from(t);
      ZoneId zone = t.isSupported(ChronoField.OFFSET_SECONDS) ? ZoneOffset.from(t) : ZoneId.systemDefault();
      return local.atZone(zone).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidArgument("failed to parse value as time or duration: \"" + value + "\"", e);
    }
  }

  private static long nanos(String duration) {
    Matcher m = PART.matcher(duration);
    BigDecimal total = BigDecimal.ZERO;
    while (m.find()) {
      if (m.group(1).isEmpty() || m.group(1).equals(".")) throw new InvalidArgument("invalid duration \"" + duration + "\"");
      total = total.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
    }
    return total.longValue();
  }
}

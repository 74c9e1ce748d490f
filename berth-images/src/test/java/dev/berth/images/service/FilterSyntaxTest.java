package dev.berth.images.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.reference.Reference;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference globs and until times, as Go's path.Match and Docker's GetTimestamp read them. */
class FilterSyntaxTest {
  private static boolean glob(String pattern, String name) {
    return RefGlob.compile(pattern).matches(Reference.parse(name));
  }

  @Test
  void globsFollowPathMatch() {
    assertTrue(glob("busybox", "busybox:latest"));
    assertTrue(glob("busybox:lat*", "busybox"));
    assertTrue(glob("b?sybox", "busybox"));
    assertTrue(glob("[a-c]usybox", "busybox"));
    assertFalse(glob("[^a-c]usybox", "busybox"));
    assertTrue(glob("[^x]usybox:*", "busybox"));
    assertTrue(glob("\\busybox", "busybox"));
    assertTrue(glob("my.reg:5000/*/*", "my.reg:5000/a/b:1"));
    assertFalse(glob("*", "a/b"));
    assertFalse(glob("a.b", "axb"), "a dot is a dot, not a regex");
    assertFalse(glob("busy", "busybox"), "the whole name must match");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[", "[]", "[a-]", "[z-a]", "x\\", "[^", "[-a]"})
  void malformedGlobsAreRefused(String pattern) {
    assertEquals("syntax error in pattern", assertThrows(InvalidArgument.class, () -> RefGlob.compile(pattern)).getMessage());
  }

  @Test
  void untilTakesDurationsEpochSecondsAndDates() {
    Instant now = Instant.parse("2024-05-05T12:00:00Z");
    assertEquals(Instant.parse("2024-05-05T11:50:00Z"), Timestamps.parse("10m", now));
    assertEquals(Instant.parse("2024-05-05T10:29:59.5Z"), Timestamps.parse("1h30m0.5s", now));
    assertEquals(Instant.parse("2024-05-05T12:00:00.001Z"), Timestamps.parse("-1ms", now));
    assertEquals(Instant.ofEpochSecond(1700000000, 500_000_000), Timestamps.parse("1700000000.5", now));
    assertEquals(Instant.EPOCH, Timestamps.parse("0", now));
    assertEquals(Instant.parse("2023-01-02T03:04:05.123Z"), Timestamps.parse("2023-01-02T03:04:05.123Z", now));
    assertEquals(Instant.parse("2023-01-02T02:04:05Z"), Timestamps.parse("2023-01-02T03:04:05+01:00", now));
    assertEquals(Instant.parse("2023-01-02T03:04:00Z"), Timestamps.parse("2023-01-02T03:04Z", now));
    assertEquals(LocalDateTime.parse("2023-01-02T00:00:00").atZone(ZoneId.systemDefault()).toInstant(),
        Timestamps.parse("2023-01-02", now), "without a zone: the daemon's");
    for (String bad : new String[] {"xyz", "2023-13-01", "10 minutes", "1.2.3"}) {
      assertEquals("failed to parse value as time or duration: \"" + bad + "\"",
          assertThrows(InvalidArgument.class, () -> Timestamps.parse(bad, now)).getMessage());
    }
  }
}

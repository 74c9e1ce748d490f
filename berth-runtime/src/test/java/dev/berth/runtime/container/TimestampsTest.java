package dev.berth.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  @Test
  void writesWhatInstantToStringWrites() {
    for (Instant t : new Instant[] {Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(0, 1),
        Instant.ofEpochSecond(1_700_000_000, 120_000_000), Instant.ofEpochSecond(1_700_000_000, 123_456_000),
        Instant.parse("2000-02-29T23:59:59.999999999Z"), Instant.parse("9999-12-31T23:59:59Z"),
        Instant.parse("0000-01-01T00:00:00Z"), Instant.now()}) {
      assertEquals(t.toString(), Timestamps.format(t));
    }
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      Instant t = Instant.ofEpochSecond(r.nextLong(-62_000_000_000L, 253_402_300_799L), r.nextInt(1_000_000_000));
      assertEquals(t.toString(), Timestamps.format(t));
    }
  }

  @Test
  void outsideFourDigitYearsItIsInstantsOwnText() {
    Instant far = Instant.parse("+10000-01-01T00:00:00Z");
    assertEquals(far.toString(), Timestamps.format(far));
  }
}

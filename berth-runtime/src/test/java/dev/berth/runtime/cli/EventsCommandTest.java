package dev.berth.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.cgroups.CgroupStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventsCommandTest {
  @Test
  void intervalsInRuncsUnits() {
    assertEquals(Duration.ofSeconds(5), EventsCommand.parseInterval("5s"));
    assertEquals(Duration.ofMillis(250), EventsCommand.parseInterval("250ms"));
    assertEquals(Duration.ofMinutes(2), EventsCommand.parseInterval("2m"));
    assertThrows(InvalidArgument.class, () -> EventsCommand.parseInterval("soon"));
    assertThrows(InvalidArgument.class, () -> EventsCommand.parseInterval("5"));
  }

  @Test
  void statsEventUsesRuncsKeys() {
    CgroupStats s = new CgroupStats(100, 200, 300, Map.of("rss", 7L), 1000, 600, 400, 2, 20, List.of(700L, 300L),
        5, 1, 9, List.of(new CgroupStats.BlkioStat(8, 0, "Read", 4096)), List.of());
    var e = EventsCommand.event("c1", s);
    assertEquals("stats", e.path("type").asText());
    assertEquals("c1", e.path("id").asText());
    assertEquals(1000, e.at("/data/cpu/usage/total").asLong());
    assertEquals(700, e.at("/data/cpu/usage/percpu/0").asLong());
    assertEquals(9, e.at("/data/cpu/throttling/throttledTime").asLong());
    assertEquals(100, e.at("/data/memory/usage/usage").asLong());
    assertEquals(300, e.at("/data/memory/usage/limit").asLong());
    assertEquals(7, e.at("/data/memory/raw/rss").asLong());
    assertEquals(20, e.at("/data/pids/limit").asLong());
    assertEquals("Read", e.at("/data/blkio/ioServiceBytesRecursive/0/op").asText());
  }
}

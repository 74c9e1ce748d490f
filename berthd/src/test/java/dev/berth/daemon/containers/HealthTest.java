package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Health.Probe probe(int code) {
    return new Health.Probe(Instant.EPOCH, Instant.EPOCH, code, "");
  }

  @Test
  void retriesFailuresMakeUnhealthyAndOneSuccessHeals() {
    Health h = Health.starting();
    h = h.after(probe(1), 2, false);
    assertEquals("starting", h.status());
    h = h.after(probe(1), 2, false);
    assertEquals("unhealthy", h.status());
    assertEquals(2, h.failingStreak());
    h = h.after(probe(0), 2, false);
    assertEquals("healthy", h.status());
    assertEquals(0, h.failingStreak());
  }

  @Test
  void failuresInTheStartPeriodDoNotCountAndTheLogIsBounded() {
    Health h = Health.starting();
    for (int i = 0; i < 10; i++) h = h.after(probe(1), 1, true);
    assertEquals("starting", h.status());
    assertEquals(Health.KEPT, h.log().size());
  }

  @Test
  void checksReadAsDockersConfig() throws Exception {
    var shell = HealthMonitor.Check.of(JSON.readTree(
        "{\"Test\":[\"CMD-SHELL\",\"test -f /ok\"],\"Interval\":1000000000,\"Retries\":2}")).orElseThrow();
    assertEquals(List.of("/bin/sh", "-c", "test -f /ok"), shell.command());
    assertEquals(Duration.ofSeconds(1), shell.interval());
    assertEquals(Duration.ofSeconds(30), shell.timeout());
    assertEquals(2, shell.retries());
    assertTrue(HealthMonitor.Check.of(JSON.readTree("{\"Test\":[\"NONE\"]}")).isEmpty());
    assertTrue(HealthMonitor.Check.of(JSON.readTree("{}")).isEmpty());
    assertEquals(3, HealthMonitor.Check.of(JSON.readTree("{\"Test\":[\"CMD\",\"true\"]}")).orElseThrow().retries());
  }
}

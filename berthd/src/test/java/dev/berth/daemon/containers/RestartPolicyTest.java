package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RestartPolicy of(String hostConfig) throws Exception {
    return RestartPolicy.of(JSON.readTree(hostConfig));
  }

  @Test
  void policiesDecideAsDockers() throws Exception {
    assertFalse(of("{}").restarts(1, 0, false));
    assertTrue(of("{\"RestartPolicy\":{\"Name\":\"always\"}}").restarts(0, 50, false));
    assertFalse(of("{\"RestartPolicy\":{\"Name\":\"always\"}}").restarts(0, 0, true));
    RestartPolicy onFailure = of("{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":2}}");
    assertFalse(onFailure.restarts(0, 0, false));
    assertTrue(onFailure.restarts(1, 1, false));
    assertFalse(onFailure.restarts(1, 2, false));
    assertTrue(of("{\"RestartPolicy\":{\"Name\":\"on-failure\"}}").restarts(1, 1000, false));
  }

  @Test
  void badPoliciesAreRefused() {
    assertThrows(InvalidArgument.class, () -> of("{\"RestartPolicy\":{\"Name\":\"sometimes\"}}"));
    assertThrows(InvalidArgument.class, () -> of("{\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":3}}"));
    assertThrows(InvalidArgument.class, () -> of("{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}"));
  }

  @Test
  void delaysDoubleAfterShortRunsAndResetAfterLongOnes() {
    assertEquals(Duration.ofMillis(100), RestartPolicy.delay(null, Duration.ZERO));
    assertEquals(Duration.ofMillis(200), RestartPolicy.delay(Duration.ofMillis(100), Duration.ofSeconds(1)));
    assertEquals(Duration.ofMillis(100), RestartPolicy.delay(Duration.ofSeconds(8), Duration.ofSeconds(11)));
    assertEquals(Duration.ofMinutes(1), RestartPolicy.delay(Duration.ofSeconds(50), Duration.ZERO));
  }
}

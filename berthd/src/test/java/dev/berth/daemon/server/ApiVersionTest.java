package dev.berth.daemon.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.PermissionDenied;
import dev.berth.common.error.Unavailable;
import org.junit.jupiter.api.Test;

class ApiVersionTest {
  @Test
  void stripsTheVersionPrefix() {
    assertArrayEquals(new String[] {"1.41", "/images/json"}, ApiVersion.split("/v1.41/images/json"));
    assertArrayEquals(new String[] {"1.50", "/_ping"}, ApiVersion.split("/_ping"));
    assertArrayEquals(new String[] {"1.24", "/version"}, ApiVersion.split("/v1.24/version"));
  }

  @Test
  void refusesVersionsOutsideTheRange() {
    assertEquals("client version 1.51 is too new. Maximum supported API version is 1.50",
        assertThrows(InvalidArgument.class, () -> ApiVersion.split("/v1.51/version")).getMessage());
    assertThrows(InvalidArgument.class, () -> ApiVersion.split("/v1.23/version"));
    assertThrows(InvalidArgument.class, () -> ApiVersion.split("/v2.0/version"));
  }

  @Test
  void errorKindsMapToDockersStatusCodes() {
    assertEquals(404, ErrorMapping.status(new NotFound("x")));
    assertEquals(409, ErrorMapping.status(new Conflict("x")));
    assertEquals(400, ErrorMapping.status(new InvalidArgument("x")));
    assertEquals(503, ErrorMapping.status(new Unavailable("x")));
    assertEquals(403, ErrorMapping.status(new PermissionDenied("x")));
    assertEquals(500, ErrorMapping.status(new Internal("x")));
  }
}

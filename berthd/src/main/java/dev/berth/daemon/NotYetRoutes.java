package dev.berth.daemon;

import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.Router;
import java.util.List;
import java.util.Map;

/**
 * Engine API areas berthd does not serve yet answer 501 with a message saying so, rather than 404,
 * which the docker CLI would report as a missing container or image. Registered last, so every real
 * route wins.
 */
final class NotYetRoutes {
  private static final List<String[]> AREAS = List.of(
      new String[] {"/containers(/.*)?", "this container endpoint"},
      new String[] {"/networks(/.*)?", "networks arrive with the networking issue"},
      new String[] {"/volumes(/.*)?", "volumes arrive with the volumes issue"},
      new String[] {"/build(/.*)?", "the builder arrives with its own issue"});

  private NotYetRoutes() {}

  static void register(Router router) {
    for (String[] area : AREAS) {
      for (String method : List.of("GET", "POST", "DELETE", "PUT")) {
        router.add(method, area[0], r -> ApiResponse.json(501,
            Map.of("message", "not implemented in berthd yet: " + area[1])));
      }
    }
  }
}

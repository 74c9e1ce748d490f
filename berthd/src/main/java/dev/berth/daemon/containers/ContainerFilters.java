package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.server.ApiFilters;
import java.util.List;
import java.util.Map;

/** `docker ps --filter`: id, name, status, label and exited, as Docker matches them. */
record ContainerFilters(Map<String, List<String>> terms) {
  private static final List<String> KNOWN = List.of("id", "name", "status", "label", "exited", "ancestor");

  static ContainerFilters parse(String json) {
    return new ContainerFilters(ApiFilters.parse(json, KNOWN));
  }

  boolean asksForStatus() {
    return terms.containsKey("status") || terms.containsKey("exited");
  }

  boolean matches(Container c) {
    return any("id", v -> c.id().startsWith(v))
        && any("name", v -> c.name().substring(1).contains(v.startsWith("/") ? v.substring(1) : v))
        && any("status", v -> c.state().status().equals(v))
        && any("exited", v -> c.state().status().equals("exited") && String.valueOf(c.state().exitCode()).equals(v))
        && any("ancestor", v -> c.config().path("Image").asText().equals(v) || c.image().contains(v))
        && all("label", v -> {
          int eq = v.indexOf('=');
          JsonNode labels = c.config().path("Labels");
          return eq < 0 ? labels.has(v) : labels.path(v.substring(0, eq)).asText("\0").equals(v.substring(eq + 1));
        });
  }

  private boolean any(String key, java.util.function.Predicate<String> test) {
    List<String> values = terms.get(key);
    return values == null || values.isEmpty() || values.stream().anyMatch(test);
  }

  private boolean all(String key, java.util.function.Predicate<String> test) {
    List<String> values = terms.get(key);
    return values == null || values.stream().allMatch(test);
  }
}

package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** `docker ps --filter`: id, name, status, label and exited, as Docker matches them. */
record ContainerFilters(Map<String, List<String>> terms) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> KNOWN = List.of("id", "name", "status", "label", "exited", "ancestor");

  static ContainerFilters parse(String json) throws IOException {
    Map<String, List<String>> terms = new java.util.LinkedHashMap<>();
    if (json == null || json.isEmpty()) return new ContainerFilters(terms);
    JsonNode root = JSON.readTree(json);
    root.properties().forEach(e -> {
      if (!KNOWN.contains(e.getKey())) throw new InvalidArgument("invalid filter '" + e.getKey() + "'");
      List<String> values = new ArrayList<>();
      // Both shapes clients send: {"name":{"x":true}} and the older {"name":["x"]}.
      if (e.getValue().isObject()) e.getValue().fieldNames().forEachRemaining(values::add);
      else e.getValue().forEach(v -> values.add(v.asText()));
      terms.put(e.getKey(), values);
    });
    return new ContainerFilters(terms);
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

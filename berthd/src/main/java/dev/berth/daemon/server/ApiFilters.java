package dev.berth.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The `filters` query parameter: a JSON object of filter name to values. */
public final class ApiFilters {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiFilters() {}

  /** Each filter's values; a name outside {@code known} is refused as Docker refuses it. */
  public static Map<String, List<String>> parse(String json, List<String> known) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (json == null || json.isEmpty()) return out;
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new InvalidArgument("invalid filters: " + e.getMessage());
    }
    if (root == null || !root.isObject()) throw new InvalidArgument("invalid filters: " + json);
    root.properties().forEach(f -> {
      if (!known.contains(f.getKey())) throw new InvalidArgument("invalid filter '" + f.getKey() + "'");
      List<String> values = new ArrayList<>();
      // Both shapes clients send: {"name":{"x":true}} and the older {"name":["x"]}.
      if (f.getValue().isObject()) f.getValue().fieldNames().forEachRemaining(values::add);
      else f.getValue().forEach(v -> values.add(v.asText()));
      out.put(f.getKey(), values);
    });
    return out;
  }
}

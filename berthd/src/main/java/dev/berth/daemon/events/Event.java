package dev.berth.daemon.events;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One Engine API event: what happened (type, action) to what (actor id and attributes), and when. */
public record Event(String type, String action, String actorId, Map<String, String> attributes, Instant time) {
  public Event {
    attributes = Map.copyOf(attributes);
  }

  /** The JSON Docker sends, with the pre-1.22 fields (status, id, from) that older clients still read. */
  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (type.equals("container") || type.equals("image")) {
      m.put("status", action);
      m.put("id", actorId);
      if (attributes.containsKey("image")) m.put("from", attributes.get("image"));
    }
    m.put("Type", type);
    m.put("Action", action);
    m.put("Actor", Map.of("ID", actorId, "Attributes", new java.util.TreeMap<>(attributes)));
    m.put("scope", "local");
    m.put("time", time.getEpochSecond());
    m.put("timeNano", time.getEpochSecond() * 1_000_000_000L + time.getNano());
    return m;
  }
}

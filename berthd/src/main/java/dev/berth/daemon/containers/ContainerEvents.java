package dev.berth.daemon.containers;

import dev.berth.daemon.events.Events;
import java.util.HashMap;
import java.util.Map;

/** Container events as Docker sends them: the name, the image and the labels as attributes. */
public final class ContainerEvents {
  private final Events events;

  public ContainerEvents(Events events) {
    this.events = events;
  }

  /** @param extra attribute name, value, name, value… (exitCode, signal, oldName) */
  void publish(Container c, String action, String... extra) {
    Map<String, String> attributes = new HashMap<>();
    c.config().path("Labels").properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
    attributes.put("name", c.name() == null ? "" : c.name().substring(1));
    attributes.put("image", c.config().path("Image").asText(c.image()));
    for (int i = 0; i + 1 < extra.length; i += 2) attributes.put(extra[i], extra[i + 1]);
    events.publish("container", action, c.id(), attributes);
  }
}

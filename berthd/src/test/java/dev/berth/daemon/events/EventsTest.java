package dev.berth.daemon.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventsTest {
  @Test
  void subscribersGetThePastFromSinceAndEveryNewEvent() throws Exception {
    Events events = new Events();
    events.publish("container", "create", "c1", Map.of("name", "a"));
    try (Events.Subscription none = events.subscribe(null); Events.Subscription all = events.subscribe(Instant.EPOCH)) {
      assertTrue(none.past().isEmpty());
      assertEquals(1, all.past().size());
      events.publish("container", "start", "c1", Map.of("name", "a"));
      assertEquals("start", none.live().take().action());
      assertEquals("start", all.live().take().action());
    }
  }

  @Test
  void theLogKeepsOnlyTheRecentPast() {
    Events events = new Events();
    for (int i = 0; i < Events.KEPT + 10; i++) events.publish("container", "create", "c" + i, Map.of());
    try (Events.Subscription s = events.subscribe(Instant.EPOCH)) {
      assertEquals(Events.KEPT, s.past().size());
      assertEquals("c10", s.past().get(0).actorId());
    }
  }

  @Test
  void filtersMatchAsDockers() {
    Event e = new Event("container", "die", "abcdef", Map.of("name", "web", "image", "busybox", "tier", "front"),
        Instant.EPOCH);
    assertTrue(EventRoutes.matches(e, Map.of("container", List.of("web"))));
    assertTrue(EventRoutes.matches(e, Map.of("container", List.of("abc"), "event", List.of("die", "stop"))));
    assertTrue(EventRoutes.matches(e, Map.of("label", List.of("tier=front"))));
    assertFalse(EventRoutes.matches(e, Map.of("type", List.of("image"))));
    assertFalse(EventRoutes.matches(e, Map.of("image", List.of("alpine"))));
    assertEquals("die", e.json().get("status"));
  }
}

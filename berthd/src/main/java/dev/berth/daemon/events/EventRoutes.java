package dev.berth.daemon.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.server.ApiFilters;
import dev.berth.daemon.server.ApiRequest;
import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.ApiTimes;
import dev.berth.daemon.server.Router;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** `GET /events`: past events from `since`, then live ones until `until` or the client leaves. */
public final class EventRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> FILTERS = List.of("type", "event", "container", "image", "label");
  private final Events events;

  public EventRoutes(Events events) {
    this.events = events;
  }

  public void register(Router router) {
    router.add("GET", "/events", this::stream);
  }

  private ApiResponse stream(ApiRequest r) throws IOException {
    Instant since = ApiTimes.parse(r.param("since"));
    Instant until = ApiTimes.parse(r.param("until"));
    Map<String, List<String>> filters = ApiFilters.parse(r.param("filters"), FILTERS);
    Events.Subscription sub = events.subscribe(since);
    return ApiResponse.stream("application/json", out -> {
      try (sub) {
        for (Event e : sub.past()) {
          if (until != null && e.time().isAfter(until)) return;
          send(e, filters, out);
        }
        while (until == null || Instant.now().isBefore(until)) {
          Event e = sub.live().poll(1, TimeUnit.SECONDS);
          if (e == null) {
            out.flush(); // fails once the client has gone
            continue;
          }
          if (until != null && e.time().isAfter(until)) return;
          send(e, filters, out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static void send(Event e, Map<String, List<String>> filters, OutputStream out) throws IOException {
    if (!matches(e, filters)) return;
    out.write(JSON.writeValueAsBytes(e.json()));
    out.write('\n');
  }

  static boolean matches(Event e, Map<String, List<String>> filters) {
    for (Map.Entry<String, List<String>> f : filters.entrySet()) {
      List<String> values = f.getValue();
      boolean ok = switch (f.getKey()) {
        case "type" -> values.contains(e.type());
        case "event" -> values.contains(e.action());
        case "container" -> e.type().equals("container") && values.stream().anyMatch(v ->
            e.actorId().startsWith(v) || v.equals(e.attributes().get("name")));
        case "image" -> values.stream().anyMatch(v -> v.equals(e.attributes().get("image")) || e.actorId().equals(v));
        case "label" -> values.stream().allMatch(v -> {
          int eq = v.indexOf('=');
          return eq < 0 ? e.attributes().containsKey(v) : v.substring(eq + 1).equals(e.attributes().get(v.substring(0, eq)));
        });
        default -> true;
      };
      if (!ok) return false;
    }
    return true;
  }
}

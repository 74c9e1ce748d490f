package dev.berth.supervisor.event;

import com.google.protobuf.Timestamp;
import dev.berth.supervisor.api.v1.Event;
import dev.berth.supervisor.shim.ExitStatus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What happens to containers and tasks, as events on topics ({@code /containers/create},
 * {@code /tasks/start}, {@code /tasks/exit}, …): published by the managers, delivered to every
 * subscriber in order. The last {@value #KEPT} are kept, so a subscriber can ask for those since a
 * time (a client that reconnects misses nothing recent).
 */
public final class TaskEvents {
  static final int KEPT = 1024;

  private final Deque<Event> recent = new ArrayDeque<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

  /** A subscription; close it to stop. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  private record Subscriber(Set<String> containers, Consumer<Event> sink) {
    boolean wants(Event e) {
      return containers.isEmpty() || containers.contains(e.getContainerId());
    }
  }

  public void publish(String topic, String containerId, String execId, long pid, ExitStatus exit) {
    Instant now = Instant.now();
    Event.Builder b = Event.newBuilder().setTopic(topic).setContainerId(containerId).setExecId(execId)
        .setPid((int) pid).setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
    if (exit != null) {
      b.setExit(dev.berth.supervisor.api.v1.ExitStatus.newBuilder().setExitCode(exit.exitCode()).setPid((int) exit.pid())
          .setExitedAt(Timestamp.newBuilder().setSeconds(exit.exitedAt().getEpochSecond())
              .setNanos(exit.exitedAt().getNano())));
    }
    Event event = b.build();
    // One lock orders delivery: every subscriber sees events in publication order.
    synchronized (this) {
      recent.addLast(event);
      if (recent.size() > KEPT) recent.removeFirst();
      for (Subscriber s : subscribers) {
        if (s.wants(event)) s.sink().accept(event);
      }
    }
  }

  public void publish(String topic, String containerId) {
    publish(topic, containerId, "", 0, null);
  }

  /**
   * Delivers the kept events after {@code since} (null: none), then every new one, for the given
   * containers (empty: all). {@code sink} is called under this bus's lock: it must not block long.
   */
  public synchronized Subscription subscribe(Instant since, Set<String> containers, Consumer<Event> sink) {
    Subscriber s = new Subscriber(Set.copyOf(containers), sink);
    if (since != null) {
      for (Event e : new ArrayList<>(recent)) {
        Instant at = Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
        if (at.isAfter(since) && s.wants(e)) sink.accept(e);
      }
    }
    subscribers.add(s);
    return () -> subscribers.remove(s);
  }
}

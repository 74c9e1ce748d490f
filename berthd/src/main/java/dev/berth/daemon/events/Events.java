package dev.berth.daemon.events;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The daemon's event log: the last {@link #KEPT} events for `since`, and live subscribers. Like
 * Docker's, it lives in memory and starts empty with each daemon.
 */
public final class Events {
  static final int KEPT = 1024;
  private final Deque<Event> recent = new ArrayDeque<>();
  private final List<BlockingQueue<Event>> subscribers = new CopyOnWriteArrayList<>();

  public void publish(String type, String action, String actorId, Map<String, String> attributes) {
    Event e = new Event(type, action, actorId, attributes, Instant.now());
    synchronized (recent) {
      recent.addLast(e);
      if (recent.size() > KEPT) recent.removeFirst();
      subscribers.forEach(q -> q.add(e));
    }
  }

  /** Events since {@code since} (null: none of the past), and a queue that receives every new one. */
  public Subscription subscribe(Instant since) {
    BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    List<Event> past = new ArrayList<>();
    synchronized (recent) {
      if (since != null) {
        for (Event e : recent) if (!e.time().isBefore(since)) past.add(e);
      }
      subscribers.add(queue);
    }
    return new Subscription(past, queue, () -> subscribers.remove(queue));
  }

  /** Past events, then live ones; close it to stop receiving. */
  public record Subscription(List<Event> past, BlockingQueue<Event> live, Runnable cancel) implements AutoCloseable {
    @Override
    public void close() {
      cancel.run();
    }
  }
}

package dev.berth.daemon.containers;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each container's lock, held by every read-modify-write of its record (the lifecycle's and the
 * health monitor's alike: a write from a stale read would bring back a state that has passed), and
 * the removals in progress, which nothing may start again.
 */
final class ContainerLocks {
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Set<String> removing = ConcurrentHashMap.newKeySet();

  Object of(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }

  /** Marks a removal as started; false if one is already under way. Call with the container's lock held. */
  boolean startRemoval(String id) {
    return removing.add(id);
  }

  boolean beingRemoved(String id) {
    return removing.contains(id);
  }

  /** The removal is over: the container is gone (or its record says "removing", which nothing starts). */
  void endRemoval(String id) {
    removing.remove(id);
  }

  /** The container is gone: its lock goes too. */
  void forget(String id) {
    locks.remove(id);
  }
}

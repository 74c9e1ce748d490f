package dev.berth.supervisor.container;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.supervisor.event.TaskEvents;
import dev.berth.supervisor.runtime.Runtimes;
import dev.berth.supervisor.task.TaskManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Container metadata and snapshots: a create unpacks the image's layers (once, shared by every
 * container of the image) and makes the container's writable snapshot; a delete removes both, after
 * the container's tasks are gone.
 */
public final class ContainerManager {
  private final ContainerRecords records;
  private final ImageStore images;
  private final ImageUnpacker unpacker;
  private final Snapshots snapshots;
  private final Runtimes runtimes;
  private final TaskManager tasks;

  private final TaskEvents events;

  public ContainerManager(ContainerRecords records, ImageStore images, ImageUnpacker unpacker, Snapshots snapshots,
      Runtimes runtimes, TaskManager tasks, TaskEvents events) {
    this.events = events;
    this.records = records;
    this.images = images;
    this.unpacker = unpacker;
    this.snapshots = snapshots;
    this.runtimes = runtimes;
    this.tasks = tasks;
  }

  /**
   * What a kill -9 in the middle of create or delete left, settled at start: record dirs without a
   * record, then container snapshots no record owns.
   */
  public synchronized void settleInterrupted() {
    for (String id : records.removeIncomplete()) {
      System.err.println("supervisor: removed the incomplete record of " + id);
    }
    removeUnownedSnapshots();
  }

  private void removeUnownedSnapshots() {
    java.util.Set<String> owned = new java.util.HashSet<>();
    records.list().forEach(r -> owned.add(r.id()));
    for (String key : snapshots.containerKeys()) {
      if (owned.contains(key)) continue;
      try {
        snapshots.removeContainer(key);
        System.err.println("supervisor: removed the snapshot of " + key + ", which no container owns");
      } catch (BerthException e) {
        System.err.println("supervisor: cannot remove the unowned snapshot " + key + ": " + e.getMessage());
      }
    }
  }

  public synchronized ContainerRecord create(String id, String image, String runtime, byte[] spec,
      Map<String, String> labels) {
    ContainerRecords.checkId(id);
    if (spec == null || spec.length == 0) throw new InvalidArgument("container " + id + " needs an OCI spec");
    runtimes.get(runtime);
    Digest top = null;
    if (image != null && !image.isEmpty()) {
      ImageRecord record = images.get(image);
      top = unpacker.unpack(record);
    }
    snapshots.createContainer(id, top);
    try {
      ContainerRecord record = new ContainerRecord(id, image == null ? "" : image, runtime == null ? "" : runtime,
          labels, Instant.now());
      records.create(record, spec);
      events.publish("/containers/create", id);
      return record;
    } catch (BerthException e) {
      snapshots.removeContainer(id);
      throw e;
    }
  }

  public ContainerRecord get(String id) {
    return records.get(id);
  }

  public byte[] spec(String id) {
    return records.spec(id);
  }

  public List<ContainerRecord> list() {
    return records.list();
  }

  /** Refused while the container has a live task; otherwise removes its task dir, snapshot and record. */
  public synchronized void delete(String id) {
    records.get(id);
    tasks.forget(id);
    try {
      snapshots.removeContainer(id);
    } catch (BerthException e) {
      throw new Internal("cannot remove the snapshot of container " + id + ": " + e.getMessage(), e);
    }
    records.delete(id);
    events.publish("/containers/delete", id);
  }
}

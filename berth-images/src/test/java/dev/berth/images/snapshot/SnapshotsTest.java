package dev.berth.images.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.images.digest.Digest;
import dev.berth.images.layer.UnpackedLayer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer and container snapshots without mounting (the mounts are in SnapshotsIT). */
class SnapshotsTest {
  @TempDir Path tmp;

  private static String chain(String seed) {
    return Digest.sha256(seed.getBytes()).toString();
  }

  private static LayerSource files(String... nameAndContent) {
    return dir -> {
      try {
        Files.createDirectory(dir);
        for (int i = 0; i < nameAndContent.length; i += 2) {
          Files.writeString(dir.resolve(nameAndContent[i]), nameAndContent[i + 1]);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new UnpackedLayer(Digest.sha256(String.join(",", nameAndContent).getBytes()), 1024);
    };
  }

  @Test
  void preparedLayersAreListedWithParentsSizesAndDirectories() {
    Snapshots s = new Snapshots(tmp);
    String base = chain("base");
    String top = chain("top");
    Path baseDir = s.prepare(base, null, files("a", "12345"));
    Path topDir = s.prepare(top, base, files("b", "xy", "c", "z"));
    assertTrue(s.exists(base));
    assertEquals(List.of(topDir, baseDir), s.layerDirsTopFirst(top));
    assertEquals(base, s.parent(top));
    assertNull(s.parent(base));
    assertEquals(5, s.size(base));
    assertEquals(3, s.size(top));
    assertEquals(Digest.sha256("a,12345".getBytes()).toString(), s.diffId(base));
    assertEquals(List.of(base, top).stream().sorted().toList(), s.list());
    assertEquals(List.of(top, base), new Snapshots(tmp).layerDirsTopFirst(top).stream()
        .map(p -> "sha256:" + p.getParent().getFileName()).toList(), "a reopened root sees the same layers");
  }

  @Test
  void prepareIsIdempotent() {
    Snapshots s = new Snapshots(tmp);
    String id = chain("x");
    AtomicInteger unpacks = new AtomicInteger();
    LayerSource counting = dir -> {
      unpacks.incrementAndGet();
      return files("f", "1").unpackInto(dir);
    };
    assertEquals(s.prepare(id, null, counting), s.prepare(id, null, counting));
    assertEquals(1, unpacks.get());
  }

  @Test
  void twoCallersPreparingTheSameLayerBothGetIt() throws Exception {
    Snapshots s = new Snapshots(tmp);
    String id = chain("raced");
    CountDownLatch bothUnpacking = new CountDownLatch(2);
    LayerSource slow = dir -> {
      UnpackedLayer l = files("f", "same").unpackInto(dir);
      bothUnpacking.countDown();
      try {
        bothUnpacking.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return l;
    };
    List<Future<Path>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      results.add(pool.submit(() -> s.prepare(id, null, slow)));
      results.add(pool.submit(() -> new Snapshots(tmp).prepare(id, null, slow)));
    }
    assertEquals(results.get(0).get(), results.get(1).get());
    assertEquals("same", Files.readString(results.get(0).get().resolve("f")));
    assertEquals(List.of(id), s.list());
    assertEquals(0, leftovers(tmp.resolve("layers")), "the loser's copy was left behind");
  }

  @Test
  void aFailedUnpackLeavesNothing() {
    Snapshots s = new Snapshots(tmp);
    String id = chain("bad");
    assertThrows(InvalidArgument.class, () -> s.prepare(id, null, dir -> {
      files("half", "written").unpackInto(dir);
      throw new InvalidArgument("layer entry x: refused");
    }));
    assertFalse(s.exists(id));
    assertEquals(0, leftovers(tmp.resolve("layers")));
  }

  @Test
  void aParentMustBeThereFirst() {
    Snapshots s = new Snapshots(tmp);
    assertThrows(NotFound.class, () -> s.prepare(chain("child"), chain("missing"), files("f", "1")));
    assertEquals(0, leftovers(tmp.resolve("layers")));
  }

  @Test
  void openingTheRootRemovesHalfPreparedLayers() throws Exception {
    Snapshots s = new Snapshots(tmp);
    String kept = chain("kept");
    s.prepare(kept, null, files("f", "1"));
    Path half = Files.createDirectories(tmp.resolve("layers/.tmp-12345/fs/usr/bin"));
    Files.writeString(half.resolve("partial"), "x");
    Files.createDirectories(tmp.resolve("containers/.tmp-999/upper"));
    Path live = Files.createDirectories(tmp.resolve("layers/" + TempNames.prefix() + "in-progress"));
    Path deadOwner = Files.createDirectories(tmp.resolve("layers/.tmp-" + Integer.MAX_VALUE + "-1-x"));
    new Snapshots(tmp);
    assertTrue(Files.exists(live), "a live writer's staging directory was removed");
    assertFalse(Files.exists(deadOwner));
    assertFalse(Files.exists(tmp.resolve("layers/.tmp-12345")));
    assertFalse(Files.exists(tmp.resolve("containers/.tmp-999")));
    assertTrue(new Snapshots(tmp).exists(kept));
  }

  @Test
  void removeIsRefusedWhileAChildOrAContainerUsesTheLayer() {
    Snapshots s = new Snapshots(tmp);
    String base = chain("base");
    String top = chain("top");
    s.prepare(base, null, files("a", "1"));
    s.prepare(top, base, files("b", "2"));
    ContainerSnapshot c = s.createContainer("c1", top);
    assertEquals(top, c.topChainId());
    assertTrue(Files.isDirectory(c.upperDir()) && Files.isDirectory(c.workDir()));
    Conflict child = assertThrows(Conflict.class, () -> s.remove(base));
    assertTrue(child.getMessage().contains("parent of layer " + top), child.getMessage());
    Conflict used = assertThrows(Conflict.class, () -> s.remove(top));
    assertTrue(used.getMessage().contains("used by container snapshot c1"), used.getMessage());
    s.removeContainer("c1");
    s.remove(top);
    s.remove(base);
    assertEquals(List.of(), s.list());
    assertThrows(NotFound.class, () -> s.remove(base));
    assertEquals(0, leftovers(tmp.resolve("layers")));
  }

  @Test
  void containerSnapshots() {
    Snapshots s = new Snapshots(tmp);
    ContainerSnapshot empty = s.createContainer("scratch", (String) null);
    assertNull(empty.topChainId());
    assertEquals(empty, s.container("scratch"));
    assertThrows(Conflict.class, () -> s.createContainer("scratch", (String) null));
    assertThrows(NotFound.class, () -> s.createContainer("c2", chain("absent")));
    assertThrows(InvalidArgument.class, () -> s.createContainer("../escape", (String) null));
    assertThrows(InvalidArgument.class, () -> s.createContainer(".hidden", (String) null));
    assertEquals(List.of("scratch"), s.containerKeys());
    s.removeContainer("scratch");
    assertThrows(NotFound.class, () -> s.container("scratch"));
    s.removeContainer("scratch");
  }

  @Test
  void digestCallersStillWork() {
    Snapshots s = new Snapshots(tmp);
    Digest base = Digest.sha256("b".getBytes());
    Digest top = Digest.sha256("t".getBytes());
    s.prepare(base, null, dir -> files("x", "1").unpackInto(dir));
    Path staged = s.stage(dir -> files("y", "2").unpackInto(dir));
    s.publish(top, base, staged);
    assertEquals(base, s.parent(top));
    assertEquals(2, s.layerDirsTopFirst(top).size());
  }

  private static long leftovers(Path dir) {
    try (Stream<Path> st = Files.list(dir)) {
      return st.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.berth.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  @TempDir Path root;

  @Test
  void anIdCanBeClaimedOnceAndItsStateSurvivesAReload() {
    StateStore store = new StateStore(root);
    store.claim("c1");
    Conflict dup = assertThrows(Conflict.class, () -> store.claim("c1"));
    assertEquals("container with id c1 already exists", dup.getMessage());
    ContainerState s = new ContainerState("c1", "/b", "/b/rootfs", 42, 7, "/c1", "now", "", Map.of("a", "b"), false);
    store.save(s);
    assertEquals(s, new StateStore(root).load("c1"));
    assertEquals(List.of("c1"), store.ids());
  }

  @Test
  void aDirectoryWithoutStateIsACreateThatDied() {
    StateStore store = new StateStore(root);
    store.claim("half");
    ContainerState s = store.load("half");
    assertTrue(s.creating());
    assertEquals(0, s.pid());
  }

  @Test
  void anEmptyStateFileLeftByAMachineCrashIsACreateThatDiedToo() throws Exception {
    StateStore store = new StateStore(root);
    store.claim("torn");
    Files.write(root.resolve("torn").resolve(StateStore.STATE_FILE), new byte[0]);
    assertTrue(store.load("torn").creating());
  }

  @Test
  void removeLeavesNothing() throws Exception {
    StateStore store = new StateStore(root);
    store.claim("gone");
    Files.writeString(store.fifo("gone"), "");
    try (StateStore.Lock lock = store.lock("gone")) {
      store.remove("gone");
    }
    assertFalse(store.exists("gone"));
    assertThrows(NotFound.class, () -> store.load("gone"));
    try (var s = Files.list(root)) {
      assertEquals(0, s.count(), "a lock file or directory was left behind");
    }
  }

  @Test
  void idsAreValidatedAsRuncDoes() {
    for (String bad : List.of("", "..", ".", "a/b", "a b", "x\0y")) {
      assertThrows(InvalidArgument.class, () -> StateStore.validateId(bad), bad);
    }
    StateStore.validateId("abc-DEF_1.2+3");
  }
}

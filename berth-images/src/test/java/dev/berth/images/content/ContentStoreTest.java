package dev.berth.images.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
  @TempDir Path dir;

  @Test
  void writesAndReadsByDigest() {
    ContentStore store = new ContentStore(dir);
    Digest d = store.write("hello".getBytes());
    assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.toString());
    assertArrayEquals("hello".getBytes(), store.read(d));
    assertEquals(List.of(d), store.list());
  }

  @Test
  void neverPublishesAMismatchingBlob() {
    ContentStore store = new ContentStore(dir);
    Digest wrong = Digest.sha256("other".getBytes());
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> store.write(new ByteArrayInputStream("hello".getBytes()), wrong, -1));
    assertTrue(e.getMessage().startsWith("digest mismatch: expected " + wrong), e.getMessage());
    assertFalse(store.exists(wrong));
    assertEquals(List.of(), store.list());
    assertEquals(0, dir.resolve("blobs/sha256").toFile().list().length, "a temporary file was left");
  }

  @Test
  void checksTheSize() {
    ContentStore store = new ContentStore(dir);
    Digest d = Digest.sha256("hello".getBytes());
    assertThrows(InvalidArgument.class, () -> store.write(new ByteArrayInputStream("hello".getBytes()), d, 4));
    assertFalse(store.exists(d));
  }

  @Test
  void acceptsSha512() {
    ContentStore store = new ContentStore(dir);
    Digest d = Digest.of("sha512", Digest.newDigester("sha512").digest("x".getBytes()));
    assertEquals(d, store.write(new ByteArrayInputStream("x".getBytes()), d, 1));
    assertTrue(store.exists(d));
  }

  @Test
  void concurrentWritersOfOneBlobBothSucceed() throws Exception {
    ContentStore store = new ContentStore(dir);
    byte[] big = new byte[4 << 20];
    new java.util.Random(1).nextBytes(big);
    Digest d = Digest.sha256(big);
    try (var pool = Executors.newFixedThreadPool(4)) {
      List<Future<Digest>> f = List.of(
          pool.submit(() -> store.write(new ByteArrayInputStream(big), d, big.length)),
          pool.submit(() -> store.write(new ByteArrayInputStream(big), d, big.length)));
      for (Future<Digest> x : f) {
        assertEquals(d, x.get());
      }
    }
    assertArrayEquals(big, store.read(d));
    assertEquals(List.of(), store.verify());
  }

  @Test
  void reopeningRemovesAKilledWritersLeftoversAndVerifyFindsCorruption() throws Exception {
    ContentStore store = new ContentStore(dir);
    Digest d = store.write("good".getBytes());
    Files.writeString(dir.resolve("blobs/sha256/.tmp-123"), "half a blob");
    Files.writeString(store.path(d), "tampered");
    ContentStore reopened = new ContentStore(dir);
    assertFalse(Files.exists(dir.resolve("blobs/sha256/.tmp-123")));
    assertEquals(List.of(d), reopened.verify());
  }
}

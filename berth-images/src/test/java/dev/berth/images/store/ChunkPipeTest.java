package dev.berth.images.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ChunkPipeTest {
  @Test
  void bytesArriveInOrderAcrossThreadsWhileTheWriterIsHeldBack() throws Exception {
    byte[] data = new byte[3 << 20];
    new Random(7).nextBytes(data);
    ChunkPipe pipe = new ChunkPipe(2);
    CompletableFuture<byte[]> read = readAll(pipe);
    for (int off = 0; off < data.length; off += 10_000) {
      pipe.sink().write(data, off, Math.min(10_000, data.length - off));
    }
    pipe.sink().close();
    assertArrayEquals(data, read.get());
  }

  /** Writes larger than a chunk are split, and the arrays the reader is done with are filled again. */
  @Test
  void largeWritesArriveWholeThroughRecycledChunks() throws Exception {
    byte[] data = new byte[5 << 20];
    new Random(9).nextBytes(data);
    ChunkPipe pipe = new ChunkPipe(3);
    CompletableFuture<byte[]> read = readAll(pipe);
    int[] sizes = {ChunkPipe.CHUNK * 3 + 17, 1, ChunkPipe.CHUNK, 511, ChunkPipe.CHUNK - 1};
    for (int off = 0, i = 0; off < data.length; i++) {
      int n = Math.min(sizes[i % sizes.length], data.length - off);
      pipe.sink().write(data, off, n);
      off += n;
    }
    pipe.sink().close();
    assertArrayEquals(data, read.get());
  }

  @Test
  void aReaderThatStopsNeverBlocksTheWriter() {
    ChunkPipe pipe = new ChunkPipe(1);
    pipe.source().close();
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      for (int i = 0; i < 100; i++) {
        pipe.sink().write(new byte[1000], 0, 1000);
      }
      pipe.sink().close();
    });
  }

  @Test
  void theWritersFailureReachesTheReader() throws Exception {
    ChunkPipe pipe = new ChunkPipe(4);
    pipe.sink().write(new byte[] {1, 2}, 0, 2);
    pipe.sink().fail(new IOException("the blob did not match its digest"));
    byte[] two = new byte[2];
    assertEquals(2, pipe.source().read(two, 0, 2));
    IOException e = assertThrows(IOException.class, () -> pipe.source().read(two, 0, 2));
    assertEquals("the blob did not match its digest", e.getMessage());
  }

  private static CompletableFuture<byte[]> readAll(ChunkPipe pipe) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return pipe.source().readAllBytes();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
  }
}

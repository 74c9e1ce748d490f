package dev.berth.images.store;

import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.layer.UnpackedLayer;
import dev.berth.images.snapshot.Snapshots;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Unpacks layers while a load writes them to the content store, so that an archive is read once:
 * each member that looks like a layer (a tar, or gzip, zstd or bzip2 data) is copied through a
 * bounded pipe to an unpacker on another core, staged as a snapshot of its own. Nothing staged here
 * is trusted yet: {@link ImageUnpacker} publishes a staged layer only for an image whose config names
 * its diff_id, and unpacks anything else (a refused or mistaken guess) the ordinary way. Whatever is
 * not taken is discarded on {@link #close()}.
 */
public final class StreamingUnpack implements AutoCloseable {
  /** A layer staged from a blob: its directory and the digest of its uncompressed tar. */
  record Staged(Path dir, Digest diffId) {}

  private static final int PIPE_CHUNKS = 256;
  private final Snapshots snapshots;
  private final LayerUnpacker unpacker;
  private final ExecutorService pool;
  private final Map<Digest, Future<Staged>> byBlob = new HashMap<>();

  StreamingUnpack(Snapshots snapshots, LayerUnpacker unpacker) {
    this.snapshots = snapshots;
    this.unpacker = unpacker;
    this.pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()),
        r -> Thread.ofPlatform().daemon().name("layer-unpack").unstarted(r));
  }

  /**
   * Writes {@code member} to the content store as {@link ContentStore#write(InputStream, Digest, long,
   * List, boolean)} does, not yet durable (the caller syncs what it keeps), unpacking it on the side
   * when it looks like a layer.
   */
  public Digest write(ContentStore content, InputStream member, long size, List<Digest> created) throws IOException {
    BufferedInputStream in = new BufferedInputStream(member, 1 << 16);
    if (!looksLikeLayer(in)) {
      return content.write(in, null, size, created, false);
    }
    ChunkPipe pipe = new ChunkPipe(PIPE_CHUNKS);
    CompletableFuture<Digest> blob = new CompletableFuture<>();
    Future<Staged> staged = pool.submit(() -> stage(pipe.source(), blob));
    Digest d;
    try {
      d = content.write(new Tee(in, pipe.sink()), null, size, created, false);
    } catch (RuntimeException e) {
      pipe.sink().fail(new IOException("the layer could not be stored: " + e.getMessage(), e));
      blob.completeExceptionally(e);
      discardWhenDone(staged);
      throw e;
    }
    pipe.sink().close();
    blob.complete(d);
    Future<Staged> earlier = byBlob.putIfAbsent(d, staged);
    if (earlier != null) {
      discardWhenDone(staged); // the same blob twice in one archive: one copy is enough
    }
    return d;
  }

  private Staged stage(ChunkPipe.Source source, CompletableFuture<Digest> blob) throws Exception {
    Digest[] diffId = new Digest[1];
    try (source) {
      Path dir = snapshots.stageLayer(dest -> {
        UnpackedLayer u = unpacker.unpackBlobHashedByCaller(source, dest);
        diffId[0] = u.diffId() != null ? u.diffId() : blob.join(); // a plain tar's diff_id is its blob digest
        return new UnpackedLayer(diffId[0], u.size());
      });
      return new Staged(dir, diffId[0]);
    }
  }

  /** The diff_id of a layer this load staged from {@code blob}, or null when none was staged. */
  public Digest diffId(Digest blob) {
    Staged s = await(byBlob.get(blob));
    return s == null ? null : s.diffId();
  }

  /**
   * Hands over the layer staged from {@code blob} when it unpacked to {@code diffId}; null when there
   * is none (the caller then unpacks it itself). A staged layer is handed over once.
   */
  Path take(Digest blob, Digest diffId) {
    Future<Staged> f = byBlob.get(blob);
    Staged s = await(f);
    if (s == null || !s.diffId().equals(diffId)) {
      return null;
    }
    byBlob.remove(blob);
    return s.dir();
  }

  /** Waits for the staging; null when it failed (the ordinary unpack will report why). */
  private static Staged await(Future<Staged> f) {
    if (f == null) {
      return null;
    }
    try {
      return f.get();
    } catch (ExecutionException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void discardWhenDone(Future<Staged> f) {
    Staged s = await(f);
    if (s != null && Files.exists(s.dir())) {
      snapshots.discard(s.dir());
    }
  }

  @Override
  public void close() {
    byBlob.values().forEach(this::discardWhenDone);
    byBlob.clear();
    pool.shutdownNow();
  }

  /** A tar (ustar magic at 257) or a compressed stream; configs and manifests are JSON. */
  private static boolean looksLikeLayer(BufferedInputStream in) throws IOException {
    in.mark(512);
    byte[] head = in.readNBytes(512);
    in.reset();
    if (head.length >= 4 && ((head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b
        || (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd
        || head[0] == 'B' && head[1] == 'Z' && head[2] == 'h')) {
      return true;
    }
    return head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
  }

  /** Copies what is read into the pipe as well. */
  private static final class Tee extends FilterInputStream {
    private final ChunkPipe.Sink branch;

    Tee(InputStream in, ChunkPipe.Sink branch) {
      super(in);
      this.branch = branch;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        branch.write(b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        branch.write(b, off, n);
      }
      return n;
    }
  }
}

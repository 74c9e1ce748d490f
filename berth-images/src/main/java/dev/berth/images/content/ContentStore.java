package dev.berth.images.content;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.io.AtomicFiles;
import dev.berth.images.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Blobs addressed by digest under {@code <root>/blobs/<algorithm>/<hex>}. A blob is hashed while it is
 * written to a temporary file in the same directory, fsynced, checked against the expected digest and
 * size, and only then published with one rename: a reader finds the whole verified blob or nothing,
 * whatever kill -9 interrupts. Concurrent writers of the same blob both succeed; the rename is
 * idempotent because the content is the same.
 */
public final class ContentStore {
  private final Path root;

  public ContentStore(Path root) {
    this.root = root;
    try {
      for (String alg : List.of("sha256", "sha512")) {
        Files.createDirectories(blobs(alg));
        // A writer killed mid-blob leaves a temporary file; nothing refers to it.
        AtomicFiles.removeLeftovers(blobs(alg));
      }
    } catch (IOException e) {
      throw new Internal("cannot open the content store at " + root + ": " + e.getMessage(), e);
    }
  }

  private Path blobs(String algorithm) {
    return root.resolve("blobs").resolve(algorithm);
  }

  public Path path(Digest digest) {
    return blobs(digest.algorithm()).resolve(digest.hex());
  }

  public boolean exists(Digest digest) {
    return Files.isRegularFile(path(digest));
  }

  public long size(Digest digest) {
    try {
      return Files.size(path(digest));
    } catch (IOException e) {
      throw new NotFound("blob " + digest + " is not in the content store");
    }
  }

  public byte[] read(Digest digest) {
    try {
      return Files.readAllBytes(path(digest));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new NotFound("blob " + digest + " is not in the content store");
    } catch (IOException e) {
      throw new Internal("cannot read blob " + digest + ": " + e.getMessage(), e);
    }
  }

  public InputStream open(Digest digest) {
    try {
      return Files.newInputStream(path(digest));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new NotFound("blob " + digest + " is not in the content store");
    } catch (IOException e) {
      throw new Internal("cannot open blob " + digest + ": " + e.getMessage(), e);
    }
  }

  /** Writes bytes whose digest is computed here. */
  public Digest write(byte[] content) {
    Digest digest = Digest.sha256(content);
    if (!exists(digest)) {
      write(new java.io.ByteArrayInputStream(content), digest, content.length);
    }
    return digest;
  }

  /**
   * Copies {@code in} into the store; when {@code expected} is given the content must hash to it (and
   * be {@code expectedSize} bytes when that is not negative) or nothing is published.
   */
  public Digest write(InputStream in, Digest expected, long expectedSize) {
    return write(in, expected, expectedSize, null);
  }

  /** As {@link #write(InputStream, Digest, long)}; adds the digest to {@code created} when the blob is new. */
  public Digest write(InputStream in, Digest expected, long expectedSize, java.util.List<Digest> created) {
    return write(in, expected, expectedSize, created, true);
  }

  /**
   * As {@link #write(InputStream, Digest, long, List)}; when {@code durable} is false the blob is not
   * fsynced before it is published, and the caller must {@link #sync} it before anything durable
   * (an image record) names it. A load writes many blobs this way and syncs them once at the end: an
   * fsync per blob would stall the layer unpacking beside it on the filesystem's journal. A kill -9
   * still finds the whole blob or none (the rename is atomic either way); only a power loss between
   * write and sync can leave a published blob that does not match its name, which nothing names yet
   * and {@link #verify()} finds.
   */
  public Digest write(InputStream in, Digest expected, long expectedSize, java.util.List<Digest> created,
      boolean durable) {
    String alg = expected == null ? "sha256" : expected.algorithm();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(blobs(alg), AtomicFiles.TEMP_PREFIX, "");
      MessageDigest md = Digest.newDigester(alg);
      long size;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
        size = copy(in, out);
      }
      if (durable) {
        force(tmp);
      }
      Digest actual = Digest.of(alg, md.digest());
      if (expected != null && !expected.equals(actual)) {
        throw new InvalidArgument("digest mismatch: expected " + expected + ", got " + actual);
      }
      if (expectedSize >= 0 && size != expectedSize) {
        throw new InvalidArgument("size mismatch for " + actual + ": expected " + expectedSize + " bytes, got " + size);
      }
      boolean isNew = !Files.exists(path(actual));
      Files.move(tmp, path(actual), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      if (isNew && created != null) {
        created.add(actual);
      }
      if (durable) {
        AtomicFiles.syncDirectory(blobs(alg));
      }
      return actual;
    } catch (AtomicMoveNotSupportedException e) {
      throw new Internal("the content store's filesystem cannot rename atomically", e);
    } catch (IOException e) {
      throw new Internal("cannot write a blob: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // removed at the next open
        }
      }
    }
  }

  /**
   * Copies in 256 KiB reads rather than transferTo's 16 KiB: a layer of hundreds of megabytes goes
   * through a sixteenth of the write calls (and of the chunks a load pipes to its unpacker).
   */
  private static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[256 << 10];
    long total = 0;
    for (int n; (n = in.read(buf)) >= 0; ) {
      out.write(buf, 0, n);
      total += n;
    }
    return total;
  }

  /** Makes blobs written with {@code durable} false durable, names included. */
  public void sync(java.util.Collection<Digest> digests) {
    java.util.Set<String> algorithms = new java.util.TreeSet<>();
    try {
      for (Digest d : digests) {
        force(path(d));
        algorithms.add(d.algorithm());
      }
      for (String alg : algorithms) {
        AtomicFiles.syncDirectory(blobs(alg));
      }
    } catch (IOException e) {
      throw new Internal("cannot sync blobs: " + e.getMessage(), e);
    }
  }

  private static void force(Path file) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  public void delete(Digest digest) {
    try {
      Files.deleteIfExists(path(digest));
    } catch (IOException e) {
      throw new Internal("cannot delete blob " + digest + ": " + e.getMessage(), e);
    }
  }

  public List<Digest> list() {
    List<Digest> all = new ArrayList<>();
    for (String alg : List.of("sha256", "sha512")) {
      try (Stream<Path> s = Files.list(blobs(alg))) {
        s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(AtomicFiles.TEMP_PREFIX))
            .forEach(n -> all.add(new Digest(alg, n)));
      } catch (IOException e) {
        throw new Internal("cannot list blobs: " + e.getMessage(), e);
      }
    }
    return all;
  }

  /** Blobs whose content no longer matches their name (disk corruption, tampering). */
  public List<Digest> verify() {
    List<Digest> bad = new ArrayList<>();
    for (Digest d : list()) {
      try (InputStream in = open(d)) {
        MessageDigest md = Digest.newDigester(d.algorithm());
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
        if (!Digest.of(d.algorithm(), md.digest()).equals(d)) {
          bad.add(d);
        }
      } catch (IOException e) {
        bad.add(d);
      }
    }
    return bad;
  }
}

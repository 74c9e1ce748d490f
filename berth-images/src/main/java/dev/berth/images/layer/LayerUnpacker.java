package dev.berth.images.layer;

import dev.berth.common.io.FileTrees;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileSystemOps;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * Unpacks a layer (gzip, zstd, bzip2 or plain tar, told apart by magic bytes) onto a fresh directory,
 * in overlayfs form: {@code .wh.<name>} becomes a 0/0 character device, {@code .wh..wh..opq} the
 * {@code trusted.overlay.opaque} attribute. Layers are untrusted: no entry may write outside the
 * directory (".." components, writes through symlinks, hardlinks to outside), names with NUL or over
 * PATH_MAX are refused, device nodes only pass when allowed, and on any refusal the partial directory
 * is removed. A leading "/" in a name is stripped, as Docker does.
 */
public final class LayerUnpacker {
  static final String WHITEOUT = ".wh.";
  static final String WHITEOUT_META = ".wh..wh.";
  static final String OPAQUE = ".wh..wh..opq";

  private final FileSystemOps ops;
  private final boolean allowDevices;

  /** @param allowDevices whether char and block device entries may be created (whiteouts always are) */
  public LayerUnpacker(FileSystemOps ops, boolean allowDevices) {
    this.ops = ops;
    this.allowDevices = allowDevices;
  }

  /** Unpacks into {@code destination}, which must not exist yet; it exists exactly when this returns. */
  public UnpackedLayer unpack(InputStream layerBlob, Path destination) {
    return unpack(layerBlob, destination, null, null);
  }

  /**
   * As {@link #unpack(InputStream, Path)}, and the blob must hash to {@code expectedBlob} and its
   * uncompressed tar to {@code expectedDiffId} (either may be null: not checked). On a mismatch the
   * directory is removed: content that is not what was asked for is never used.
   */
  public UnpackedLayer unpack(InputStream layerBlob, Path destination, Digest expectedBlob, Digest expectedDiffId) {
    return unpack(layerBlob, destination, expectedBlob, expectedDiffId, true);
  }

  /**
   * As {@link #unpack(InputStream, Path)} for a caller that hashes the blob itself (a load writing it
   * to the content store while this unpacks it): a plain tar's diff_id is its blob digest, so only a
   * compressed layer's tar is hashed here, and a plain tar's {@link UnpackedLayer#diffId()} is null.
   */
  public UnpackedLayer unpackBlobHashedByCaller(InputStream layerBlob, Path destination) {
    return unpack(layerBlob, destination, null, null, false);
  }

  private UnpackedLayer unpack(InputStream layerBlob, Path destination, Digest expectedBlob, Digest expectedDiffId,
      boolean hashPlainTar) {
    try {
      Files.createDirectory(destination);
    } catch (IOException e) {
      throw new Internal("cannot create the layer directory " + destination + ": " + e.getMessage(), e);
    }
    try {
      UnpackedLayer layer = unpackInto(layerBlob, destination, expectedBlob, hashPlainTar);
      if (expectedDiffId != null && !expectedDiffId.equals(layer.diffId())) {
        throw new InvalidArgument("digest mismatch: the layer's tar is " + layer.diffId() + ", expected " + expectedDiffId);
      }
      return layer;
    } catch (RuntimeException e) {
      removeTree(destination);
      throw e;
    }
  }

  /**
   * Extracts a tar into a directory that exists already (copying into a container), with the same
   * containment as a layer: no entry writes outside {@code dir} or through a symlink. What was
   * written before a refused entry stays, as with `docker cp`.
   */
  public void extractInto(InputStream tarStream, Path dir) {
    TarEntry e = null;
    try {
      TarReader reader = new TarReader(decompress(new BufferedInputStream(tarStream, 1 << 16)));
      EntryWriter writer = new EntryWriter(dir, ops, allowDevices);
      while ((e = reader.next()) != null) {
        writer.write(e, reader.content());
      }
      writer.finish();
    } catch (BerthException x) {
      throw x;
    } catch (IOException | UncheckedIOException x) {
      throw new InvalidArgument("cannot extract the archive" + (e == null ? "" : " at entry "
          + EntryName.printable(e.name())) + ": " + x.getMessage(), x);
    }
  }

  private UnpackedLayer unpackInto(InputStream layerBlob, Path destination, Digest expectedBlob, boolean hashPlainTar) {
    MessageDigest blobDigest = expectedBlob == null ? null : Digest.newDigester(expectedBlob.algorithm());
    InputStream raw = new BufferedInputStream(
        blobDigest == null ? layerBlob : new DigestInputStream(layerBlob, blobDigest), 1 << 16);
    MessageDigest tarDigest = Digest.newDigester("sha256");
    TarEntry e = null;
    try {
      InputStream decompressed = decompress(raw);
      boolean hashTar = hashPlainTar || decompressed != raw;
      CountingInput counted = new CountingInput(decompressed);
      InputStream tar = hashTar ? new DigestInputStream(counted, tarDigest) : counted;
      TarReader reader = new TarReader(tar);
      EntryWriter writer = new EntryWriter(destination, ops, allowDevices);
      while ((e = reader.next()) != null) {
        writer.write(e, reader.content());
      }
      e = null;
      writer.finish();
      tar.transferTo(OutputStream.nullOutputStream()); // the diff_id covers the end blocks and any padding
      raw.transferTo(OutputStream.nullOutputStream());
      if (blobDigest != null) {
        Digest actual = Digest.of(expectedBlob.algorithm(), blobDigest.digest());
        if (!actual.equals(expectedBlob)) {
          throw new InvalidArgument("digest mismatch: the layer blob is " + actual + ", expected " + expectedBlob);
        }
      }
      return new UnpackedLayer(hashTar ? Digest.of("sha256", tarDigest.digest()) : null, counted.count);
    } catch (BerthException x) {
      throw x;
    } catch (EOFException | ZipException | com.github.luben.zstd.ZstdIOException x) {
      throw new InvalidArgument("cannot unpack layer: truncated or corrupt data"
          + (e == null ? "" : " in entry " + EntryName.printable(e.name())) + ": " + x.getMessage(), x);
    } catch (IOException | UncheckedIOException x) {
      throw new Internal("cannot unpack layer" + (e == null ? "" : " entry " + EntryName.printable(e.name()))
          + ": " + x.getMessage(), x);
    }
  }

  static InputStream decompress(InputStream in) throws IOException {
    in.mark(6);
    byte[] head = in.readNBytes(6);
    in.reset();
    if (starts(head, 0x1f, 0x8b)) {
      return new GZIPInputStream(in, 1 << 16);
    }
    if (starts(head, 0x28, 0xb5, 0x2f, 0xfd)) {
      return new com.github.luben.zstd.ZstdInputStream(in);
    }
    if (starts(head, 'B', 'Z', 'h')) {
      return new BZip2CompressorInputStream(in, true);
    }
    if (starts(head, 0xfd, '7', 'z', 'X', 'Z', 0)) {
      throw new InvalidArgument("xz-compressed layers are not supported (use gzip, zstd or plain tar)");
    }
    return in;
  }

  private static boolean starts(byte[] head, int... magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((head[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** Removes a tree without following symlinks (a layer's links may point anywhere). */
  static void removeTree(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      throw new Internal("cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }


  private static final class CountingInput extends FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}

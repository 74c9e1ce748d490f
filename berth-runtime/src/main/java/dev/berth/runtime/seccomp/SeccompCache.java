package dev.berth.runtime.seccomp;

import dev.berth.common.io.AtomicFiles;
import dev.berth.runtime.spec.LinuxSeccomp;
import dev.berth.runtime.spec.SpecLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Compiled filters kept on disk, keyed by the filter's JSON and the libseccomp file that compiled it.
 * A cold CLI pays ~100 ms to bind libseccomp and compile Docker's profile; every container of an engine
 * uses the same few profiles, so the second run reads 8 KB instead. Entries are written atomically; a
 * truncated one is recompiled. The directory must be as trusted as the runtime itself (under its --root,
 * owned by the same user, mode 0700): an entry there is loaded into containers as it is.
 */
public final class SeccompCache {
  private static final List<Path> LIBRARY_DIRS = List.of(Path.of("/usr/lib/x86_64-linux-gnu"),
      Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/usr/lib64"),
      Path.of("/lib64"), Path.of("/usr/lib"));

  private final Path dir;

  public SeccompCache(Path dir) {
    this.dir = dir;
  }

  /** The program for {@code seccomp}, from the cache when present, else compiled and stored. */
  public SeccompProgram compile(LinuxSeccomp seccomp) {
    Path entry = dir.resolve(key(seccomp) + ".bpf");
    SeccompProgram cached = read(entry);
    if (cached != null) {
      return cached;
    }
    SeccompProgram program = SeccompCompiler.compile(seccomp);
    write(entry, program);
    return program;
  }

  static String key(LinuxSeccomp seccomp) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(SpecLoader.toJson(seccomp));
      sha.update(libraryIdentity().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The resolved libseccomp file with its size and mtime: an upgrade changes the key. */
  static String libraryIdentity() {
    for (Path d : LIBRARY_DIRS) {
      Path lib = d.resolve("libseccomp.so.2");
      try {
        Path real = lib.toRealPath();
        return real + ":" + Files.size(real) + ":" + Files.getLastModifiedTime(real).toMillis();
      } catch (IOException e) {
        // Not in this directory.
      }
    }
    return "unknown";
  }

  /** Layout: 4-byte flags (big-endian), then the BPF program. */
  private static SeccompProgram read(Path entry) {
    try {
      byte[] data = Files.readAllBytes(entry);
      if (data.length < 12 || (data.length - 4) % 8 != 0) {
        return null;
      }
      int flags = ByteBuffer.wrap(data, 0, 4).getInt();
      return new SeccompProgram(java.util.Arrays.copyOfRange(data, 4, data.length), flags);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  private void write(Path entry, SeccompProgram program) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      }
      ByteBuffer b = ByteBuffer.allocate(4 + program.filter().length);
      b.putInt(program.flags()).put(program.filter());
      AtomicFiles.write(entry, b.array());
    } catch (IOException e) {
      // A cache that cannot be written only costs time on the next run.
    }
  }
}

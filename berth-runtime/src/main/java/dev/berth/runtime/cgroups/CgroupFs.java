package dev.berth.runtime.cgroups;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup filesystem as the manager sees it. The real one is plain file I/O; tests substitute a fake
 * kernel that fills new directories with control files. Writes never create files: on cgroupfs a missing
 * control file means the kernel lacks the feature, and that must not be papered over.
 */
public interface CgroupFs {
  CgroupFs REAL = new CgroupFs() {};

  default boolean exists(Path file) {
    return Files.exists(file);
  }

  default String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new Internal("cannot read " + file + ": " + reason(e), e);
    }
  }

  default void write(Path file, String value) {
    try {
      Files.write(file, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (NoSuchFileException e) {
      throw new InvalidArgument("cannot write " + value + " to " + file + ": the kernel has no such cgroup file", e);
    } catch (IOException e) {
      String why = reason(e);
      String msg = "cannot write " + value + " to " + file + ": " + why;
      // The kernel's way of saying the value is wrong for this cgroup: a user error, not ours.
      if (why.contains("Invalid argument") || why.contains("Device or resource busy")
          || why.contains("Numerical result out of range")) {
        throw new InvalidArgument(msg, e);
      }
      throw new Internal(msg, e);
    }
  }

  /** Creates a directory; false when it already existed. */
  default boolean mkdir(Path dir) {
    try {
      Files.createDirectory(dir);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new Internal("cannot create cgroup " + dir + ": " + reason(e), e);
    }
  }

  /** rmdir(2); NoSuchFileException when it is gone, FileSystemException (EBUSY) while it is in use. */
  default void rmdir(Path dir) throws IOException {
    Files.delete(dir);
  }

  default List<Path> subdirs(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
      ds.forEach(out::add);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new Internal("cannot list " + dir + ": " + reason(e), e);
    }
    return out;
  }

  /** cgroup v2 device rules: an eBPF program attached to the cgroup directory. */
  default void applyDeviceFilter(Path dir, List<dev.berth.runtime.spec.LinuxDeviceCgroup> rules) {
    BpfDeviceFilter.attach(dir, rules);
  }

  static String reason(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName()
        : e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null ? fse.getReason()
        : e.getMessage();
  }
}

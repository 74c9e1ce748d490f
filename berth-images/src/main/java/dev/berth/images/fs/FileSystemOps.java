package dev.berth.images.fs;

import dev.berth.common.ffm.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file system calls layers need that java.nio does not offer, every one acting on the path itself
 * and never following a final symlink. Production uses {@link LinuxFileSystemOps}; unit tests use a
 * recording fake, so that ownership, device nodes and trusted.* xattrs are testable without root.
 */
public interface FileSystemOps {
  /** mknod(2): a character or block device, or a fifo ({@code type} 'c', 'b' or 'p'). */
  void mknod(Path path, char type, int mode, long major, long minor) throws ErrnoException;

  /** mkfifo(3). */
  default void mkfifo(Path path, int mode) throws ErrnoException {
    mknod(path, 'p', mode, 0, 0);
  }

  /** lchown(2): ownership of the link itself, never of what it points to. */
  void lchown(Path path, long uid, long gid) throws ErrnoException;

  /** lsetxattr(2), with the value as raw bytes. */
  void lsetxattr(Path path, String name, byte[] value) throws ErrnoException;

  /** lgetxattr(2); null when the attribute is absent. */
  byte[] lgetxattr(Path path, String name) throws ErrnoException;

  /** llistxattr(2): the names of the path's extended attributes, in the kernel's order. */
  List<String> llistxattr(Path path) throws ErrnoException;

  /** utimensat(2) with AT_SYMLINK_NOFOLLOW: access and modification time of the path itself. */
  void utimensat(Path path, long atimeSeconds, long atimeNanos, long mtimeSeconds, long mtimeNanos)
      throws ErrnoException;

  /** chmod without following links (callers never pass a symlink, which has no mode of its own). */
  void chmod(Path path, int mode) throws ErrnoException;

  /** lstat(2). */
  FileStat lstat(Path path) throws IOException;
}

package dev.berth.images.fs;

import dev.berth.common.ffm.ErrnoException;
import java.nio.file.Path;

/** The file system calls a layer unpack needs that java.nio does not offer. */
public interface FileSystemOps {
  /** mknod(2): a character or block device, or a fifo ({@code type} 'c', 'b' or 'p'). */
  void mknod(Path path, char type, int mode, long major, long minor) throws ErrnoException;

  /** lchown(2): ownership of the link itself, never of what it points to. */
  void lchown(Path path, long uid, long gid) throws ErrnoException;

  /** lsetxattr(2), with the value as raw bytes. */
  void lsetxattr(Path path, String name, byte[] value) throws ErrnoException;

  /** lgetxattr(2); null when the attribute is absent. */
  byte[] lgetxattr(Path path, String name) throws ErrnoException;

  /** utimensat(2) with AT_SYMLINK_NOFOLLOW: access and modification time of the path itself. */
  void lutimes(Path path, long seconds, long nanos) throws ErrnoException;

  /** chmod without following links (a no-op on symlinks, which have no mode of their own). */
  void chmod(Path path, int mode) throws ErrnoException;
}

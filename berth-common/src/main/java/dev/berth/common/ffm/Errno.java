package dev.berth.common.ffm;

/** The errno values Berth acts on by name, and their text as strerror gives it. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int EBADF = 9;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int EPIPE = 32;
  public static final int EROFS = 30;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOSYS = 38;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;
  public static final int EOPNOTSUPP = 95;

  private static final String[] TEXT = new String[134];

  static {
    TEXT[EPERM] = "operation not permitted";
    TEXT[ENOENT] = "no such file or directory";
    TEXT[ESRCH] = "no such process";
    TEXT[EINTR] = "interrupted system call";
    TEXT[EIO] = "input/output error";
    TEXT[EBADF] = "bad file descriptor";
    TEXT[ECHILD] = "no child processes";
    TEXT[EAGAIN] = "resource temporarily unavailable";
    TEXT[EACCES] = "permission denied";
    TEXT[EBUSY] = "device or resource busy";
    TEXT[EEXIST] = "file exists";
    TEXT[EXDEV] = "invalid cross-device link";
    TEXT[ENOTDIR] = "not a directory";
    TEXT[EISDIR] = "is a directory";
    TEXT[EINVAL] = "invalid argument";
    TEXT[ENOSPC] = "no space left on device";
    TEXT[EROFS] = "read-only file system";
    TEXT[ENAMETOOLONG] = "file name too long";
    TEXT[ENOSYS] = "function not implemented";
    TEXT[ENOTEMPTY] = "directory not empty";
    TEXT[ELOOP] = "too many levels of symbolic links";
    TEXT[ENODATA] = "no data available";
    TEXT[EOPNOTSUPP] = "operation not supported";
  }

  private Errno() {}

  public static String describe(int errno) {
    String text = errno > 0 && errno < TEXT.length ? TEXT[errno] : null;
    return (text == null ? "error" : text) + " (errno " + errno + ")";
  }
}

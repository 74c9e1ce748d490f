package dev.berth.common.ffm;

import java.io.IOException;

/**
 * A failed system call: the call's name, the path or object it acted on, and errno. Callers translate
 * it to a {@link dev.berth.common.error.BerthException} where the user-facing meaning is known.
 */
public final class ErrnoException extends IOException {
  private final String call;
  private final int errno;

  public ErrnoException(String call, String subject, int errno) {
    super(call + (subject == null ? "" : " " + subject) + ": " + Errno.describe(errno));
    this.call = call;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }

  /** Throws when {@code result} is -1, reading errno from the capture state. */
  public static long check(long result, java.lang.foreign.MemorySegment state, String call, String subject)
      throws ErrnoException {
    if (result == -1) {
      throw new ErrnoException(call, subject, NativeCall.errno(state));
    }
    return result;
  }
}

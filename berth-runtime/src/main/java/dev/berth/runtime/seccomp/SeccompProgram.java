package dev.berth.runtime.seccomp;

/**
 * A compiled seccomp filter: the classic BPF program (struct sock_filter[], 8 bytes per instruction, in
 * native byte order) and the SECCOMP_FILTER_FLAG_* bits to pass to seccomp(SECCOMP_SET_MODE_FILTER).
 */
public record SeccompProgram(byte[] filter, int flags) {
  public static final int FLAG_TSYNC = 1;
  public static final int FLAG_LOG = 2;
  public static final int FLAG_SPEC_ALLOW = 4;
  public static final int FLAG_NEW_LISTENER = 8;
  public static final int FLAG_WAIT_KILLABLE_RECV = 32;

  public SeccompProgram {
    if (filter.length == 0 || filter.length % 8 != 0) {
      throw new IllegalArgumentException("a BPF program is a non-empty array of 8-byte instructions");
    }
  }

  public int instructions() {
    return filter.length / 8;
  }

  /** True when the filter uses SCMP_ACT_NOTIFY: the init must hand the listener fd to listenerPath. */
  public boolean needsListener() {
    return (flags & FLAG_NEW_LISTENER) != 0;
  }
}

package dev.berth.runtime.init;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encoder of the instruction stream berth-init reads on fd 3 (format documented in
 * berth-native/init/stream.h): records of u16 tag, u32 length, payload, little endian, ending with
 * {@link Tag#END}. A record with one string carries its bytes; compound records put their u64s first,
 * then strings each terminated by NUL.
 */
public final class InitStream {
  /** Record tags; the numbers must match stream.h. */
  public enum Tag {
    END(0), MODE(1), CLONE_FLAGS(2), NS_PATH(3), UID_MAP(4), GID_MAP(5), HOSTNAME(6), DOMAINNAME(7),
    ROOTFS(8), ROOT_PROPAGATION(9), READONLY_ROOT(10), NO_PIVOT(11), MOUNT(12), DEVICE(13),
    MASKED_PATH(14), READONLY_PATH(15), SYSCTL(16), ARG(17), ENV(18), CWD(19), UID(20), GID(21),
    ADDITIONAL_GID(22), UMASK(23), RLIMIT(24), CAPS(25), NO_NEW_PRIVS(26), OOM_SCORE_ADJ(27),
    TERMINAL(28), CONSOLE_SOCKET(29), EXEC_FIFO(30), SECCOMP(31), HOOK(32), STATE(33),
    CONSOLE_SIZE(35), PAUSE_FOR_HOOKS(36), PRESERVED_FDS(37), TIME_OFFSETS(38),
    CONSOLE_FD(39), CGROUP_TASKS(40), CGROUP_UNIFIED(41);

    final int code;

    Tag(int code) {
      this.code = code;
    }
  }

  public static final long MODE_CREATE = 1;
  public static final long MODE_JOIN = 2;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

  public InitStream flag(Tag tag) {
    header(tag, 0);
    return this;
  }

  public InitStream string(Tag tag, String value) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    checkNoNul(b, tag);
    header(tag, b.length);
    out.writeBytes(b);
    return this;
  }

  public InitStream u64(Tag tag, long... values) {
    header(tag, 8 * values.length);
    for (long v : values) {
      le64(v);
    }
    return this;
  }

  /** A compound record: the integers, then each string NUL-terminated. */
  public InitStream compound(Tag tag, long[] values, String... strings) {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    for (long v : values) {
      for (int i = 0; i < 8; i++) {
        payload.write((int) (v >>> (8 * i)) & 0xff);
      }
    }
    for (String s : strings) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      checkNoNul(b, tag);
      payload.writeBytes(b);
      payload.write(0);
    }
    header(tag, payload.size());
    out.writeBytes(payload.toByteArray());
    return this;
  }

  /** A record of u64s followed by raw bytes (the seccomp filter). */
  public InitStream bytes(Tag tag, long first, byte[] raw) {
    header(tag, 8 + raw.length);
    le64(first);
    out.writeBytes(raw);
    return this;
  }

  public byte[] finish() {
    header(Tag.END, 0);
    return out.toByteArray();
  }

  private void header(Tag tag, int length) {
    out.write(tag.code & 0xff);
    out.write((tag.code >>> 8) & 0xff);
    for (int i = 0; i < 4; i++) {
      out.write((length >>> (8 * i)) & 0xff);
    }
  }

  private void le64(long v) {
    for (int i = 0; i < 8; i++) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
  }

  private static void checkNoNul(byte[] b, Tag tag) {
    for (byte x : b) {
      if (x == 0) {
        throw new dev.berth.common.error.InvalidArgument(
            "a " + tag.name().toLowerCase().replace('_', ' ') + " value contains a NUL byte");
      }
    }
  }
}

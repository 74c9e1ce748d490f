package dev.berth.runtime.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.LinuxDeviceCgroup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceFilterTest {
  static final LinuxDeviceCgroup DENY_ALL = new LinuxDeviceCgroup(false, null, null, null, "rwm");
  static final LinuxDeviceCgroup NULL_RWM = new LinuxDeviceCgroup(true, "c", 1L, 3L, "rwm");

  @Test
  void reducesLikeCgroupV1() {
    var r = DeviceFilter.reduce(List.of(NULL_RWM, DENY_ALL, NULL_RWM, new LinuxDeviceCgroup(true, "c", 1L, 5L, "r")));
    assertFalse(r.defaultAllow());
    assertEquals(List.of(NULL_RWM, new LinuxDeviceCgroup(true, "c", 1L, 5L, "r")), r.exceptions());
    var denyAgain = DeviceFilter.reduce(List.of(DENY_ALL, NULL_RWM, new LinuxDeviceCgroup(false, "c", 1L, 3L, "rwm")));
    assertTrue(denyAgain.exceptions().isEmpty());
    assertTrue(DeviceFilter.reduce(List.of()).defaultAllow());
  }

  /** Runs the program the way the kernel would, for the few opcodes it uses. */
  static int run(byte[] program, int type, int access, int major, int minor) {
    ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    long[] reg = new long[11];
    int[] ctx = {type | (access << 16), major, minor};
    for (int pc = 0; ; pc++) {
      int op = b.get(pc * 8) & 0xff;
      int dst = b.get(pc * 8 + 1) & 0xf;
      int src = (b.get(pc * 8 + 1) >> 4) & 0xf;
      short off = b.getShort(pc * 8 + 2);
      int imm = b.getInt(pc * 8 + 4);
      switch (op) {
        case 0x61 -> reg[dst] = ctx[off / 4] & 0xffffffffL;
        case 0x57 -> reg[dst] &= imm;
        case 0x77 -> reg[dst] >>>= imm;
        case 0xb7 -> reg[dst] = imm;
        case 0xbf -> reg[dst] = reg[src];
        case 0x55 -> pc += reg[dst] != imm ? off : 0;
        case 0x5d -> pc += reg[dst] != reg[src] ? off : 0;
        case 0x95 -> {
          return (int) reg[0];
        }
        default -> throw new AssertionError("opcode " + op);
      }
    }
  }

  @Test
  void programDecidesAsTheRulesSay() {
    byte[] p = DeviceFilter.program(List.of(DENY_ALL, NULL_RWM, new LinuxDeviceCgroup(true, "c", 1L, 5L, "r"),
        new LinuxDeviceCgroup(true, "c", 136L, null, "rwm"), new LinuxDeviceCgroup(true, "b", null, null, "m")));
    int chr = 2;
    int blk = 1;
    assertEquals(1, run(p, chr, 2 | 4, 1, 3), "read+write /dev/null");
    assertEquals(1, run(p, chr, 2, 1, 5), "read /dev/zero");
    assertEquals(0, run(p, chr, 4, 1, 5), "write /dev/zero is not granted");
    assertEquals(1, run(p, chr, 2, 136, 7), "any pts");
    assertEquals(0, run(p, chr, 2, 8, 0), "a char device not listed");
    assertEquals(1, run(p, blk, 1, 8, 0), "mknod of a block device");
    assertEquals(0, run(p, blk, 2, 8, 0), "but not reading it");
    byte[] allowAll = DeviceFilter.program(List.of(new LinuxDeviceCgroup(true, "a", null, null, "rwm"),
        new LinuxDeviceCgroup(false, "c", 1L, 3L, "w")));
    assertEquals(0, run(allowAll, chr, 4, 1, 3));
    assertEquals(1, run(allowAll, chr, 2, 1, 3));
  }

  @Test
  void badRulesAreNamed() {
    assertThrows(InvalidArgument.class, () -> DeviceFilter.program(List.of(new LinuxDeviceCgroup(true, "x", 1L, 1L, "r"))));
    assertThrows(InvalidArgument.class, () -> DeviceFilter.program(List.of(new LinuxDeviceCgroup(true, "c", 1L, 1L, "q"))));
  }
}

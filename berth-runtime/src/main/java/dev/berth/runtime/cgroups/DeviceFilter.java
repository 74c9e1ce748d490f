package dev.berth.runtime.cgroups;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.LinuxDeviceCgroup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * cgroup v2 has no devices.allow: access is decided by an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE)
 * attached to the cgroup. This turns OCI device rules into that program. The rules are first reduced as
 * cgroup v1 would apply them in order (a default plus exceptions), so both versions behave the same.
 */
public final class DeviceFilter {
  /** The reduced rule set: a default and the rules that differ from it, later ones winning. */
  public record Reduced(boolean defaultAllow, List<LinuxDeviceCgroup> exceptions) {}

  private static final int DEV_BLOCK = 1;
  private static final int DEV_CHAR = 2;
  private static final int ACC_MKNOD = 1;
  private static final int ACC_READ = 2;
  private static final int ACC_WRITE = 4;

  private DeviceFilter() {}

  /** Applies rules in order, as writes to devices.allow/deny would. A fresh cgroup allows everything. */
  public static Reduced reduce(List<LinuxDeviceCgroup> rules) {
    boolean defaultAllow = true;
    List<LinuxDeviceCgroup> exceptions = new ArrayList<>();
    for (LinuxDeviceCgroup r : rules) {
      String type = r.type() == null || r.type().isEmpty() ? "a" : r.type();
      if (!List.of("a", "b", "c").contains(type)) {
        throw new InvalidArgument("device cgroup rule type must be a, b or c, got \"" + type + "\"");
      }
      access(r);
      if (type.equals("a") && r.major() == null && r.minor() == null) {
        defaultAllow = r.allowed();
        exceptions.clear();
        continue;
      }
      exceptions.removeIf(e -> sameDevice(e, r));
      if (r.allowed() != defaultAllow) {
        exceptions.add(r);
      }
    }
    return new Reduced(defaultAllow, List.copyOf(exceptions));
  }

  private static boolean sameDevice(LinuxDeviceCgroup a, LinuxDeviceCgroup b) {
    return java.util.Objects.equals(a.type(), b.type()) && java.util.Objects.equals(a.major(), b.major())
        && java.util.Objects.equals(a.minor(), b.minor()) && access(a) == access(b);
  }

  /** The program's instructions (struct bpf_insn[], 8 bytes each, little-endian as on x86 and arm64). */
  public static byte[] program(List<LinuxDeviceCgroup> rules) {
    Reduced reduced = reduce(rules);
    Assembler asm = new Assembler();
    // struct bpf_cgroup_dev_ctx { u32 access_type (type | access << 16); u32 major; u32 minor; }
    asm.ldxw(2, 1, 0);
    asm.andImm(2, 0xffff);
    asm.ldxw(3, 1, 0);
    asm.rshImm(3, 16);
    asm.ldxw(4, 1, 4);
    asm.ldxw(5, 1, 8);
    // Later rules override earlier ones: test them last-first, first match decides.
    List<LinuxDeviceCgroup> exceptions = reduced.exceptions();
    for (int i = exceptions.size() - 1; i >= 0; i--) {
      rule(asm, exceptions.get(i));
    }
    asm.movImm(0, reduced.defaultAllow() ? 1 : 0);
    asm.exit();
    return asm.bytes();
  }

  private static void rule(Assembler asm, LinuxDeviceCgroup r) {
    List<Integer> toNext = new ArrayList<>();
    String type = r.type() == null || r.type().isEmpty() ? "a" : r.type();
    switch (type) {
      case "a" -> { }
      case "c" -> toNext.add(asm.jneImm(2, DEV_CHAR));
      case "b" -> toNext.add(asm.jneImm(2, DEV_BLOCK));
      default -> throw new InvalidArgument("device cgroup rule type must be a, b or c, got \"" + type + "\"");
    }
    int access = access(r);
    if (access != (ACC_MKNOD | ACC_READ | ACC_WRITE)) {
      // Every requested access bit must be granted by the rule.
      asm.movReg(1, 3);
      asm.andImm(1, access);
      toNext.add(asm.jneReg(1, 3));
    }
    if (r.major() != null && r.major() >= 0) {
      toNext.add(asm.jneImm(4, r.major().intValue()));
    }
    if (r.minor() != null && r.minor() >= 0) {
      toNext.add(asm.jneImm(5, r.minor().intValue()));
    }
    asm.movImm(0, r.allowed() ? 1 : 0);
    asm.exit();
    for (int jump : toNext) {
      asm.patchJump(jump, asm.size());
    }
  }

  private static int access(LinuxDeviceCgroup r) {
    String a = r.access() == null || r.access().isEmpty() ? "rwm" : r.access();
    int bits = 0;
    for (char c : a.toCharArray()) {
      bits |= switch (c) {
        case 'r' -> ACC_READ;
        case 'w' -> ACC_WRITE;
        case 'm' -> ACC_MKNOD;
        default -> throw new InvalidArgument("device cgroup rule access must be made of r, w and m, got \"" + a + "\"");
      };
    }
    return bits;
  }

  /** A few eBPF instructions, encoded: opcode, dst/src registers, 16-bit offset, 32-bit immediate. */
  static final class Assembler {
    private final List<long[]> insns = new ArrayList<>();

    int size() {
      return insns.size();
    }

    private int emit(int opcode, int dst, int src, int off, int imm) {
      insns.add(new long[] {opcode, dst, src, off, imm});
      return insns.size() - 1;
    }

    void ldxw(int dst, int src, int off) {
      emit(0x61, dst, src, off, 0); // BPF_LDX | BPF_MEM | BPF_W
    }

    void andImm(int dst, int imm) {
      emit(0x57, dst, 0, 0, imm); // BPF_ALU64 | BPF_AND | BPF_K
    }

    void rshImm(int dst, int imm) {
      emit(0x77, dst, 0, 0, imm); // BPF_ALU64 | BPF_RSH | BPF_K
    }

    void movImm(int dst, int imm) {
      emit(0xb7, dst, 0, 0, imm); // BPF_ALU64 | BPF_MOV | BPF_K
    }

    void movReg(int dst, int src) {
      emit(0xbf, dst, src, 0, 0); // BPF_ALU64 | BPF_MOV | BPF_X
    }

    int jneImm(int dst, int imm) {
      return emit(0x55, dst, 0, 0, imm); // BPF_JMP | BPF_JNE | BPF_K
    }

    int jneReg(int dst, int src) {
      return emit(0x5d, dst, src, 0, 0); // BPF_JMP | BPF_JNE | BPF_X
    }

    void exit() {
      emit(0x95, 0, 0, 0, 0);
    }

    /** Jumps are relative to the next instruction. */
    void patchJump(int at, int target) {
      insns.get(at)[3] = target - at - 1;
    }

    byte[] bytes() {
      ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (long[] i : insns) {
        b.put((byte) i[0]);
        b.put((byte) ((i[1] & 0xf) | ((i[2] & 0xf) << 4)));
        b.putShort((short) i[3]);
        b.putInt((int) i[4]);
      }
      return b.array();
    }
  }
}

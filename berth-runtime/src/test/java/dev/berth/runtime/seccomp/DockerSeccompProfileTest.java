package dev.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.LinuxSeccomp;
import dev.berth.runtime.spec.LinuxSyscall;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DockerSeccompProfileTest {
  /** Docker's default capability set. */
  static final Set<String> DEFAULT_CAPS = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
      "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");


  private static boolean allows(LinuxSeccomp s, String name) {
    return s.syscalls().stream().anyMatch(r -> r.names().contains(name) && "SCMP_ACT_ALLOW".equals(r.action()));
  }

  @Test
  void defaultProfileForAmd64() throws Exception {
    LinuxSeccomp s = DockerSeccompProfile.toOci(DockerSeccompProfile.dockerDefault(), DEFAULT_CAPS, "x86_64", "6.18.0");
    assertEquals("SCMP_ACT_ERRNO", s.defaultAction());
    assertEquals(1, s.defaultErrnoRet());
    assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), s.architectures());
    assertTrue(allows(s, "read"));
    assertTrue(allows(s, "arch_prctl"), "amd64-only rule included");
    assertFalse(allows(s, "s390_pci_mmio_read"), "s390-only rule left out");
    assertTrue(allows(s, "chroot"), "CAP_SYS_CHROOT is in the set");
    assertFalse(allows(s, "reboot"), "CAP_SYS_BOOT is not");
    assertTrue(allows(s, "ptrace"), "minKernel 4.8 met");
    LinuxSyscall clone = s.syscalls().stream().filter(r -> r.names().equals(List.of("clone"))).findFirst().orElseThrow();
    assertEquals("SCMP_CMP_MASKED_EQ", clone.args().get(0).op());
    assertEquals(2114060288L, clone.args().get(0).value());
    LinuxSyscall clone3 = s.syscalls().stream().filter(r -> r.names().equals(List.of("clone3"))).findFirst().orElseThrow();
    assertEquals(38, clone3.errnoRet());
  }

  @Test
  void capabilitiesAndKernelChangeTheResult() throws Exception {
    Set<String> admin = new java.util.HashSet<>(DEFAULT_CAPS);
    admin.add("CAP_SYS_ADMIN");
    LinuxSeccomp s = DockerSeccompProfile.toOci(DockerSeccompProfile.dockerDefault(), admin, "amd64", "4.4.0");
    assertTrue(s.syscalls().stream().noneMatch(r -> r.names().equals(List.of("clone3"))), "clone3 ENOSYS excluded");
    assertTrue(allows(s, "bpf"));
    assertFalse(allows(s, "ptrace"), "minKernel 4.8 not met on 4.4");
    LinuxSeccomp arm = DockerSeccompProfile.toOci(DockerSeccompProfile.dockerDefault(), DEFAULT_CAPS, "aarch64", "6.1");
    assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), arm.architectures());
    assertFalse(allows(arm, "arch_prctl"));
  }

  @Test
  void singleNameAndConflicts() {
    byte[] json = """
        {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "mkdir", "action": "SCMP_ACT_ERRNO"}]}
        """.getBytes(StandardCharsets.UTF_8);
    assertEquals(List.of("mkdir"), DockerSeccompProfile.toOci(json, Set.of(), "amd64", "6.1").syscalls().get(0).names());
    byte[] both = """
        {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
         "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}
        """.getBytes(StandardCharsets.UTF_8);
    assertThrows(InvalidArgument.class, () -> DockerSeccompProfile.toOci(both, Set.of(), "amd64", "6.1"));
    assertThrows(InvalidArgument.class,
        () -> DockerSeccompProfile.toOci("{}".getBytes(StandardCharsets.UTF_8), Set.of(), "amd64", "6.1"));
  }

  @Test
  void kernelVersionComparison() {
    assertTrue(DockerSeccompProfile.atLeast("6.18.0-1-amd64", "4.8"));
    assertTrue(DockerSeccompProfile.atLeast("4.8", "4.8"));
    assertFalse(DockerSeccompProfile.atLeast("4.14.0", "5.1"));
    assertFalse(DockerSeccompProfile.atLeast("3.10", "4.8"));
  }
}

package dev.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.LinuxSeccomp;
import dev.berth.runtime.spec.SpecLoader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Compiles through the real libseccomp.so.2 (a library, not the kernel) and reads its pfc text back. */
class SeccompCompilerTest {
  /** libseccomp's pfc text with indentation removed, so expectations read line by line. */
  static String pfc(LinuxSeccomp s) {
    return SeccompCompiler.pfc(s).replaceAll("(?m)^\\s+", "");
  }

  static LinuxSeccomp seccomp(String json) {
    String spec = "{\"linux\": {\"seccomp\": " + json + "}}";
    return SpecLoader.parse(spec.getBytes(StandardCharsets.UTF_8), "config.json").linux().seccomp();
  }

  @Test
  void compilesRulesWithActionsAndArgs() {
    LinuxSeccomp s = seccomp("""
        {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
         "syscalls": [
           {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
           {"names": ["personality"], "action": "SCMP_ACT_KILL_PROCESS",
            "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
           {"names": ["clone"], "action": "SCMP_ACT_ERRNO",
            "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
           {"names": ["reboot"], "action": "SCMP_ACT_TRAP"},
           {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_LOG"},
           {"names": ["getcwd"], "action": "SCMP_ACT_ALLOW"}]}
        """);
    String pfc = pfc(s);
    assertTrue(pfc.contains("# filter for arch x86_64"), pfc);
    assertTrue(pfc.contains("# filter for arch x86 "), pfc);
    assertTrue(pfc.contains("# filter for syscall \"mkdir\" (83)"), pfc);
    assertTrue(pfc.contains("action ERRNO(13);"), pfc);
    assertTrue(pfc.contains("# filter for syscall \"personality\" (135)"), pfc);
    assertTrue(pfc.contains("action KILL_PROCESS;"), pfc);
    assertTrue(pfc.contains("# filter for syscall \"reboot\""), pfc);
    assertTrue(pfc.contains("action TRAP;"), pfc);
    assertTrue(pfc.contains("& 0x7e020000"), pfc);
    assertTrue(pfc.contains("# default action\naction ALLOW;"), pfc);
    assertFalse(pfc.contains("getcwd"), "a rule repeating the default action is dropped");

    SeccompProgram p = SeccompCompiler.compile(s);
    assertTrue(p.instructions() > 10, "instructions: " + p.instructions());
    assertEquals(0, p.flags());
  }

  @Test
  void defaultErrnoAndFlags() {
    LinuxSeccomp s = seccomp("""
        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
         "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"],
         "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}
        """);
    assertTrue(pfc(s).contains("# default action\naction ERRNO(38);"));
    assertEquals(1 | 2 | 4, SeccompCompiler.compile(s).flags());
    // Without errnoRet, ERRNO means EPERM, as runc.
    assertTrue(pfc(seccomp("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}")).contains("action ERRNO(1);"));
  }

  @Test
  void repeatedArgumentIndexBecomesSeparateRules() {
    LinuxSeccomp s = seccomp("""
        {"defaultAction": "SCMP_ACT_ERRNO",
         "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
            {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}
        """);
    String pfc = pfc(s);
    assertTrue(pfc.contains("== 0") || pfc.contains("== 0x0"), pfc);
    assertTrue(pfc.contains("== 8") || pfc.contains("== 0x8"), pfc);
  }

  @Test
  void invalidInputIsNamed() {
    var action = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_EXPLODE\"}]}")));
    assertTrue(action.getMessage().contains("linux.seccomp.syscalls[0]: unknown seccomp action \"SCMP_ACT_EXPLODE\""),
        action.getMessage());
    var op = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\","
            + " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}")));
    assertTrue(op.getMessage().contains("linux.seccomp.syscalls[0].args[0]: unknown seccomp operator \"SCMP_CMP_ABOUT\""),
        op.getMessage());
    var def = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp("{\"defaultAction\": \"NOPE\"}")));
    assertTrue(def.getMessage().contains("unknown seccomp action \"NOPE\""), def.getMessage());
    var arch = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_Z80\"]}")));
    assertTrue(arch.getMessage().contains("SCMP_ARCH_Z80"), arch.getMessage());
    var flag = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}")));
    assertTrue(flag.getMessage().contains("SECCOMP_FILTER_FLAG_FAST"), flag.getMessage());
    var errnoRet = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\","
            + " \"errnoRet\": 5}]}")));
    assertTrue(errnoRet.getMessage().contains("errnoRet is only meaningful"), errnoRet.getMessage());
    var index = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(seccomp(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\","
            + " \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}")));
    assertTrue(index.getMessage().contains("index must be between 0 and 5"), index.getMessage());
  }

  @Test
  void notifyNeedsAListener() {
    String rule = "\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]";
    var e = assertThrows(InvalidArgument.class,
        () -> SeccompCompiler.compile(seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " + rule + "}")));
    assertTrue(e.getMessage().contains("SCMP_ACT_NOTIFY but has no listenerPath"), e.getMessage());
    var unsupported = assertThrows(InvalidArgument.class, () -> SeccompCompiler.compile(
        seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/l.sock\", " + rule + "}")));
    assertTrue(unsupported.getMessage().contains("SCMP_ACT_NOTIFY is not supported"), unsupported.getMessage());
    assertEquals(SeccompProgram.FLAG_NEW_LISTENER, SeccompCompiler.flags(
        seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/l.sock\", " + rule + "}")));
  }

  @Test
  void dockerDefaultProfileConvertsAndCompiles() throws Exception {
    byte[] profile = DockerSeccompProfile.dockerDefault();
    LinuxSeccomp oci = DockerSeccompProfile.toOci(profile, DockerSeccompProfileTest.DEFAULT_CAPS, "amd64", "6.1.0");
    SeccompProgram p = SeccompCompiler.compile(oci);
    assertTrue(p.instructions() > 100, "instructions: " + p.instructions());
    String pfc = pfc(oci);
    assertTrue(pfc.contains("# filter for syscall \"read\""), "read allowed");
    assertTrue(pfc.contains("action ERRNO(1);"), "default is EPERM");
    assertFalse(pfc.contains("\"reboot\""), "reboot needs CAP_SYS_BOOT");
    assertTrue(pfc.contains("\"clone3\"") && pfc.contains("action ERRNO(38);"), "clone3 is ENOSYS without CAP_SYS_ADMIN");
  }
}

package dev.berth.runtime.seccomp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.berth.common.ffm.NativeCall;
import dev.berth.runtime.spec.LinuxSeccomp;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads compiled programs into the kernel. A filter without TSYNC binds only the calling thread, so each
 * check runs on a fresh thread that ends afterwards: the test JVM's other threads stay unfiltered.
 */
class SeccompIT {
  private static final int PR_SET_NO_NEW_PRIVS = 38;
  private static final int PR_SET_SECCOMP = 22;
  private static final int SECCOMP_MODE_FILTER = 2;

  private static final MethodHandle PRCTL = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("prctl").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
      Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
  private static final MethodHandle MKDIR = NativeCall.libc("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle KILL = NativeCall.libc("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  @TempDir Path dir;

  /** Runs {@code body} on a new thread after installing {@code program} on it; returns body's result. */
  private static String onFilteredThread(SeccompProgram program, Body body) throws Exception {
    AtomicReference<Object> result = new AtomicReference<>();
    Thread t = Thread.ofPlatform().start(() -> {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment state = NativeCall.errnoState(arena);
        MemorySegment filter = arena.allocate(program.filter().length, 8);
        filter.copyFrom(MemorySegment.ofArray(program.filter()));
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        MemorySegment fprog = arena.allocate(16, 8);
        fprog.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) program.instructions());
        fprog.set(ADDRESS, 8, filter);
        int rc = (int) PRCTL.invokeExact(state, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
        if (rc != 0) {
          throw new IllegalStateException("no_new_privs: errno " + NativeCall.errno(state));
        }
        rc = (int) PRCTL.invokeExact(state, PR_SET_SECCOMP, (long) SECCOMP_MODE_FILTER, fprog.address(), 0L, 0L);
        if (rc != 0) {
          throw new IllegalStateException("PR_SET_SECCOMP: errno " + NativeCall.errno(state));
        }
        result.set(body.run(arena, state));
      } catch (Throwable e) {
        result.set(e);
      }
    });
    t.join();
    if (result.get() instanceof Throwable e) {
      throw new AssertionError(e);
    }
    return (String) result.get();
  }

  private interface Body {
    String run(Arena arena, MemorySegment state) throws Throwable;
  }

  @Test
  void errnoRuleAndArgumentComparisonAreEnforcedByTheKernel() throws Exception {
    LinuxSeccomp s = SeccompCompilerTest.seccomp("""
        {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
         "syscalls": [
           {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
           {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95,
            "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
        """);
    SeccompProgram program = SeccompCompiler.compile(s);
    Path target = dir.resolve("d-" + UUID.randomUUID());
    int self = (int) ProcessHandle.current().pid();
    String out = onFilteredThread(program, (arena, state) -> {
      int mk = (int) MKDIR.invokeExact(state, arena.allocateFrom(target.toString()), 0755);
      int mkErr = NativeCall.errno(state);
      int k1 = (int) KILL.invokeExact(state, 1, 0);
      int k1Err = NativeCall.errno(state);
      int kSelf = (int) KILL.invokeExact(state, self, 0);
      return mk + "/" + mkErr + " " + k1 + "/" + k1Err + " " + kSelf;
    });
    assertEquals("-1/13 -1/95 0", out);
    assertFalse(Files.exists(target));
    // The filter stayed on that thread: here mkdir works.
    Files.createDirectory(target);
  }

  @Test
  void dockerDefaultProfileLoadsAndDeniesWhatItShould() throws Exception {
    byte[] profile = DockerSeccompProfile.dockerDefault();
    SeccompProgram program = SeccompCompiler.compile(
        DockerSeccompProfile.toOci(profile, DockerSeccompProfileTest.DEFAULT_CAPS, "amd64"));
    Path target = dir.resolve("ok-" + UUID.randomUUID());
    String out = onFilteredThread(program, (arena, state) -> {
      int mk = (int) MKDIR.invokeExact(state, arena.allocateFrom(target.toString()), 0755);
      // umount2 needs CAP_SYS_ADMIN in Docker's profile: EPERM from the filter. Unfiltered, the kernel
      // would answer ENOENT for this path, so the errno tells who answered (and nothing is harmed).
      MethodHandle umount2 = NativeCall.libc("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
      int um = (int) umount2.invokeExact(state, arena.allocateFrom(dir.resolve("not-a-mount").toString()), 0);
      return mk + " " + um + "/" + NativeCall.errno(state);
    });
    assertEquals("0 -1/1", out);
  }
}

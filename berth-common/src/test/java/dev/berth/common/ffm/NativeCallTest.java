package dev.berth.common.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

class NativeCallTest {
  private static final MethodHandle CHDIR =
      NativeCall.libc("chdir", FunctionDescriptor.of(NativeCall.C_INT, NativeCall.C_POINTER));

  @Test
  void capturesErrnoOfAFailedCall() throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = NativeCall.errnoState(arena);
      int rc = (int) CHDIR.invokeExact(state, arena.allocateFrom("/nonexistent/berth"));
      ErrnoException e =
          assertThrows(ErrnoException.class, () -> ErrnoException.check(rc, state, "chdir", "/x"));
      assertEquals(Errno.ENOENT, e.errno());
      assertEquals("chdir /x: no such file or directory (errno 2)", e.getMessage());
    }
  }

  @Test
  void systemCallsThroughOneHandle() throws Exception {
    long getpid = System.getProperty("os.arch").equals("aarch64") ? 172 : 39;
    long close = System.getProperty("os.arch").equals("aarch64") ? 57 : 3;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = NativeCall.errnoState(arena);
      assertEquals(ProcessHandle.current().pid(), NativeCall.syscall(state, getpid));
      long rc = NativeCall.syscall(state, close, -1);
      ErrnoException e = assertThrows(ErrnoException.class, () -> ErrnoException.check(rc, state, "close", null));
      assertEquals(Errno.EBADF, e.errno());
    }
  }

  @Test
  void libcFunctionsOfAnyShapeThroughOneHandle() throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = NativeCall.errnoState(arena);
      assertEquals(ProcessHandle.current().pid(), (int) NativeCall.invoke(state, NativeCall.symbol("getpid")));
      MemorySegment s = arena.allocateFrom("berth");
      assertEquals(5, NativeCall.invoke(state, NativeCall.symbol("strlen"), s.address()));
      MemorySegment buf = arena.allocate(16);
      NativeCall.invoke(state, NativeCall.symbol("memset"), buf.address(), 'x', 3);
      assertEquals("xxx", buf.getString(0));
      long rc = (int) NativeCall.invoke(state, NativeCall.symbol("chdir"), arena.allocateFrom("/nonexistent/b").address());
      ErrnoException e = assertThrows(ErrnoException.class, () -> ErrnoException.check(rc, state, "chdir", null));
      assertEquals(Errno.ENOENT, e.errno());
    }
  }
}

package dev.berth.common.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The base every FFM binding in Berth builds on: looks up libc symbols and binds them so that errno is
 * captured right after the call (the JVM may clobber it before Java code could read it otherwise).
 *
 * <p>Bindings call a handle with a leading {@code MemorySegment} for the captured state, obtained from
 * {@link #errnoState(Arena)}, then read it with {@link #errno(MemorySegment)} when the result says the
 * call failed. {@link ErrnoException#check} does both for the common "returns -1 on error" shape.
 */
public final class NativeCall {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private NativeCall() {}

  /** A libc function bound with errno capture: its first argument is the capture segment. */
  public static MethodHandle libc(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    return LINKER.downcallHandle(symbol, descriptor, CAPTURE);
  }

  /**
   * Linux's syscall(2), errno captured: {@code number} with up to six arguments, pointers passed as
   * their {@link MemorySegment#address() addresses}. One downcall handle serves every system call,
   * where each libc function of another shape costs a short-lived JVM milliseconds to bind (a stub
   * and a chain of lambda forms, generated at run time, none of which the AOT cache keeps).
   */
  public static long syscall(MemorySegment errnoState, long number, long... args) {
    long[] a = java.util.Arrays.copyOf(args, 6);
    try {
      return (long) Syscall.HANDLE.invokeExact(errnoState, number, a[0], a[1], a[2], a[3], a[4], a[5]);
    } catch (Throwable t) {
      throw new IllegalStateException("syscall " + number + " could not be called", t);
    }
  }

  private static final class Syscall {
    static final MethodHandle HANDLE = LINKER.downcallHandle(
        LIBC.find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol syscall")),
        FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG),
        CAPTURE, Linker.Option.firstVariadicArg(1));
  }

  /** A function from another library (e.g. libseccomp.so.2), bound without errno capture. */
  public static MethodHandle function(SymbolLookup library, String name, FunctionDescriptor d) {
    MemorySegment symbol =
        library.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
    return LINKER.downcallHandle(symbol, d);
  }

  /** The body of a binding: native memory comes from {@code arena}, errno is captured in {@code errnoState}. */
  @FunctionalInterface
  public interface Body<T> {
    T run(Arena arena, MemorySegment errnoState) throws Throwable;
  }

  /**
   * Runs a binding's body with a confined arena and an errno capture segment. An {@link ErrnoException}
   * passes through; anything else a downcall handle throws (a wrong signature) is a bug, not an I/O error.
   */
  public static <T> T call(Body<T> body) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      return body.run(arena, errnoState(arena));
    } catch (ErrnoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** For the common shape: one call that returns -1 and sets errno on failure. */
  public static void check(String call, String subject, Body<? extends Number> body) throws ErrnoException {
    NativeCall.<Void>call((arena, st) -> {
      ErrnoException.check(body.run(arena, st).longValue(), st, call, subject);
      return null;
    });
  }

  public static MemorySegment errnoState(Arena arena) {
    return arena.allocate(CAPTURE_LAYOUT);
  }

  public static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
  public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
  public static final java.lang.foreign.AddressLayout C_POINTER = ValueLayout.ADDRESS;
}

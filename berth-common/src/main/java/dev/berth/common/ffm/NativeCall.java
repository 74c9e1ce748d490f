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
  /** Read as a plain int: a var handle for the struct path costs a cold JVM lambda forms to spin. */
  private static final long ERRNO_OFFSET = CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

  private NativeCall() {}

  /** A libc function bound with errno capture: its first argument is the capture segment. */
  public static MethodHandle libc(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    return LINKER.downcallHandle(symbol, descriptor, CAPTURE);
  }

  /**
   * Linux's syscall(2), errno captured: {@code number} with up to six arguments, pointers passed as
   * their {@link MemorySegment#address() addresses}. Goes through {@link #invoke}.
   */
  public static long syscall(MemorySegment errnoState, long number, long... args) {
    long[] a = java.util.Arrays.copyOf(args, 6);
    return invoke(errnoState, Universal.SYSCALL, number, a[0], a[1], a[2], a[3], a[4], a[5]);
  }

  /** A libc function's address, for {@link #invoke}. */
  public static MemorySegment symbol(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
  }

  /**
   * Calls the C function at {@code function} with up to seven integer or pointer arguments (pointers
   * as their {@link MemorySegment#address() addresses}, the rest 0), errno captured, and returns the
   * return register as a long: narrow it for a function that returns an int.
   *
   * <p>One downcall handle serves every function. Binding a handle per function costs a short-lived
   * JVM milliseconds for each new shape (a stub and a chain of lambda forms, generated at run time,
   * none of which the AOT cache keeps); a cold `berth-runtime run` bound fourteen. This is how Go's
   * runtime calls libc where it must (syscall6): on x86-64 and AArch64 Linux a callee ignores the
   * registers and stack slots of arguments it does not take, and reads an int from the low half of
   * its register. Arguments after the first are passed as variadic, which syscall(2) needs and fixed
   * parameters do not notice on these two.
   */
  public static long invoke(MemorySegment errnoState, MemorySegment function, long... args) {
    if (args.length > 7) {
      throw new IllegalArgumentException("at most 7 arguments, got " + args.length);
    }
    long[] a = args.length == 7 ? args : java.util.Arrays.copyOf(args, 7);
    try {
      return (long) Universal.HANDLE.invokeExact(function, errnoState, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    } catch (Throwable t) {
      throw new IllegalStateException("the native call could not be made", t);
    }
  }

  /**
   * Binds the one downcall handle now, which takes a cold JVM tens of milliseconds: a command can do
   * that on another thread while it reads its input, instead of waiting at its first system call.
   */
  public static void prepare() {
    Universal.HANDLE.type();
  }

  private static final class Universal {
    static final MethodHandle HANDLE = LINKER.downcallHandle(
        FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG),
        CAPTURE, Linker.Option.firstVariadicArg(1));
    static final MemorySegment SYSCALL = symbol("syscall");
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
    return state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
  }

  public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
  public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
  public static final java.lang.foreign.AddressLayout C_POINTER = ValueLayout.ADDRESS;
}

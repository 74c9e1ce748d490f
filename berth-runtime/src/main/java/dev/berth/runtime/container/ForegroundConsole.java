package dev.berth.runtime.container;

import dev.berth.common.error.Internal;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.runtime.spec.Box;
import dev.berth.runtime.spec.Process;
import dev.berth.runtime.sys.Syscalls;
import java.util.function.IntSupplier;

/**
 * The pty of a foreground `run` (or `exec -t`) without --console-socket, as runc allocates it: the
 * container's init sends the pty master over a socket pair instead of a console socket; the runtime
 * relays its own stdin to the master and the master to its stdout until the process exits. As with
 * runc's console library, the pty sends "\n" as it is (berth-init clears its ONLCR) and a stdin that
 * is a terminal is put in raw mode for that time with output processing kept (keys such as ^C reach
 * the container, "\n" still shows as a new line); its window size is copied to the pty, at once and
 * on every SIGWINCH.
 */
final class ForegroundConsole implements AutoCloseable {
  /** How long a relay thread waits for input before it looks whether it should stop. */
  private static final int POLL_MS = 50;

  private final Syscalls sys;
  private int ours;
  private int theirs;
  private int master = -1;
  private int hostTerminal = -1;
  private byte[] hostSettings;
  private Object previousWinch;
  private Thread input;
  private Thread output;
  private volatile boolean exited;
  private volatile boolean closing;

  private ForegroundConsole(Syscalls sys, int ours, int theirs) {
    this.sys = sys;
    this.ours = ours;
    this.theirs = theirs;
  }

  static ForegroundConsole open(Syscalls sys) {
    try {
      int[] pair = sys.seqpacketPair();
      return new ForegroundConsole(sys, pair[0], pair[1]);
    } catch (ErrnoException e) {
      throw new Internal("cannot make a socket pair for the pty: " + e.getMessage(), e);
    }
  }

  /**
   * {@code process} with the window size of the terminal on {@code in}, if it is one: the pty is made
   * with it, so a process that asks for its size at once (exec runs at once) never sees 0x0.
   */
  static Process sizedLike(Syscalls sys, int in, Process process) {
    if (!sys.isTerminal(in)) {
      return process;
    }
    try {
      int[] size = sys.windowSize(in);
      return process.withTerminal(true, new Box(size[0], size[1]));
    } catch (ErrnoException e) {
      return process;
    }
  }

  /** The end berth-init sends the pty master on (an extra fd of the init). */
  int initEnd() {
    return theirs;
  }

  /** Takes the pty master, which the container's init sent before it reported ready. */
  void receive() {
    try {
      sys.close(theirs);
      theirs = -1;
      master = sys.receiveFd(ours);
      sys.close(ours);
      ours = -1;
    } catch (ErrnoException e) {
      throw new Internal("cannot receive the container's pty: " + e.getMessage(), e);
    }
  }

  /** Starts relaying {@code in} to the pty and the pty to {@code out}; call before the process runs. */
  void attach(int in, int out) {
    if (sys.isTerminal(in)) {
      try {
        hostSettings = sys.makeRaw(in);
        hostTerminal = in;
      } catch (ErrnoException e) {
        throw new Internal("cannot put the terminal in raw mode: " + e.getMessage(), e);
      }
      resize();
      previousWinch = WindowChanges.follow(this::resize);
    }
    input = relay("berth-pty-in", in, master, false);
    output = relay("berth-pty-out", master, out, true);
  }

  /** Waits for the process (through {@code exit}), then for the rest of its output. */
  int await(IntSupplier exit) {
    int code = exit.getAsInt();
    exited = true;
    join(output, 10_000);
    return code;
  }

  private void resize() {
    try {
      int[] size = sys.windowSize(hostTerminal);
      sys.setWindowSize(master, size[0], size[1]);
    } catch (ErrnoException e) {
      // the pty is gone with the process, or the host terminal with its session: nothing to resize
    }
  }

  /**
   * Copies {@code from} to {@code to} until the end of {@code from}, an error, or: for the output, the
   * process has exited and nothing more came for a moment (a process it left behind may hold the pty);
   * for the input, the console closes.
   */
  private Thread relay(String name, int from, int to, boolean drainsAfterExit) {
    return Thread.ofPlatform().daemon().name(name).start(() -> {
      try {
        while (!closing) {
          if (!sys.pollIn(from, POLL_MS)) {
            if (drainsAfterExit && exited) {
              return;
            }
            continue;
          }
          byte[] data = sys.recv(from, 8192);
          if (data.length == 0) {
            return;
          }
          sys.writeFully(to, data);
        }
      } catch (ErrnoException e) {
        // EIO: every holder of the pty's other side closed it; EPIPE: our reader went away
      }
    });
  }

  private static void join(Thread t, long ms) {
    if (t == null) {
      return;
    }
    try {
      t.join(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops relaying, gives the host terminal its settings back, closes the pty. */
  @Override
  public void close() {
    closing = true;
    join(input, 2 * POLL_MS + 100);
    join(output, 2 * POLL_MS + 100);
    if (previousWinch != null) {
      WindowChanges.restore(previousWinch);
    }
    if (hostSettings != null) {
      try {
        sys.restoreTerminal(hostTerminal, hostSettings);
      } catch (ErrnoException e) {
        // the terminal went away
      }
    }
    for (int fd : new int[] {master, ours, theirs}) {
      if (fd >= 0) {
        sys.close(fd);
      }
    }
    master = ours = theirs = -1;
  }

  /** SIGWINCH, through the JDK's (unsupported but exported) signal API: loaded only for a terminal. */
  private static final class WindowChanges {
    private static final sun.misc.Signal WINCH = new sun.misc.Signal("WINCH");

    static Object follow(Runnable onChange) {
      return sun.misc.Signal.handle(WINCH, signal -> onChange.run());
    }

    static void restore(Object previous) {
      sun.misc.Signal.handle(WINCH, (sun.misc.SignalHandler) previous);
    }
  }
}

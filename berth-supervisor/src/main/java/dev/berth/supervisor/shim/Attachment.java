package dev.berth.supervisor.shim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * An attach connection to a shim: the process's output comes in (multiplexed frames without a
 * terminal, raw bytes with one) until the process exits; what is written to {@link #stdin()} goes to
 * the process's stdin. Closing stdin here ends only this client's input, unless the attach asked for
 * stdin-once (then the process's stdin closes, as with Docker's StdinOnce).
 */
public final class Attachment implements AutoCloseable {
  private final SocketChannel channel;
  private final boolean terminal;
  private final InputStream output;
  private final OutputStream stdin;

  Attachment(SocketChannel channel, boolean terminal) {
    this.channel = channel;
    this.terminal = terminal;
    this.output = Channels.newInputStream(channel);
    this.stdin = Channels.newOutputStream(channel);
  }

  public boolean terminal() {
    return terminal;
  }

  /** The raw output: frames without a terminal, the pty's bytes with one. */
  public InputStream output() {
    return output;
  }

  /** The next output frame (no terminal), or empty once the process has exited and all output is read. */
  public Optional<StreamFrame> nextFrame() throws IOException {
    if (terminal) throw new IllegalStateException("a terminal's output is raw bytes, not frames");
    return StreamFrame.read(output);
  }

  public OutputStream stdin() {
    return stdin;
  }

  /**
   * Copies a client's input to the process until the client's input ends, then half-closes. Returns
   * quietly when either side goes away, which is how attaches end.
   */
  public void copyStdinFrom(InputStream in) {
    try {
      in.transferTo(stdin);
      closeStdin();
    } catch (IOException e) {
      // the process or the client went away
    }
  }

  /** Half-closes the connection: no more input from this client. */
  public void closeStdin() throws IOException {
    channel.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}

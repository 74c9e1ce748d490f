package dev.berth.daemon.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * An OutputStream onto a client's connection: the chunks of a streamed HTTP body, or raw bytes on a
 * hijacked connection. Every write waits until Netty has taken it, which is the back-pressure a slow
 * client needs, and fails once the client has gone.
 */
final class ChannelOutputStream extends OutputStream {
  private final Channel channel;
  private final Function<ByteBuf, Object> message;
  private final Object last;
  private boolean closed;

  private ChannelOutputStream(Channel channel, Function<ByteBuf, Object> message, Object last) {
    this.channel = channel;
    this.message = message;
    this.last = last;
  }

  /** The body of a chunked response; closing it ends the response, not the connection. */
  static ChannelOutputStream chunked(Channel channel) {
    return new ChannelOutputStream(channel, DefaultHttpContent::new, LastHttpContent.EMPTY_LAST_CONTENT);
  }

  /** Bytes as they are, after the HTTP handlers have left the pipeline. */
  static ChannelOutputStream raw(Channel channel) {
    return new ChannelOutputStream(channel, b -> b, null);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) return;
    if (closed || !channel.isActive()) throw new IOException("the client has gone");
    await(channel.writeAndFlush(message.apply(Unpooled.copiedBuffer(b, off, len))));
  }

  /** Nothing is buffered here; this only says whether the client is still there. */
  @Override
  public void flush() throws IOException {
    if (!channel.isActive()) throw new IOException("the client has gone");
  }

  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    if (last != null && channel.isActive()) await(channel.writeAndFlush(last));
  }

  static void await(io.netty.util.concurrent.Future<?> f) throws IOException {
    try {
      f.get();
    } catch (ExecutionException e) {
      throw new IOException("write to the client failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while writing to the client", e);
    }
  }
}

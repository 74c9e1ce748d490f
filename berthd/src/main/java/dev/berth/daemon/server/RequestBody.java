package dev.berth.daemon.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.EOFException;
import java.io.IOException;
import dev.berth.common.io.BulkInputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body as it arrives, read by the handler's thread while Netty still receives it: a
 * `docker load` of gigabytes streams through without being held in memory. When more than
 * {@link #HIGH_WATER} bytes wait, the channel stops reading (TCP or the unix socket pushes back on the
 * client) until the handler has caught up. Whatever the handler leaves unread is discarded.
 */
final class RequestBody extends BulkInputStream {
  static final long HIGH_WATER = 8L << 20;
  private static final long LOW_WATER = 2L << 20;
  private static final Object END = new Object();

  private final Channel channel;
  private final LinkedBlockingQueue<Object> parts = new LinkedBlockingQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private volatile boolean discarding;
  private ByteBuf current;
  private boolean ended;
  private IOException failure;

  RequestBody(Channel channel) {
    this.channel = channel;
  }

  // ---- the event loop's side ----

  /** Takes over one reference to {@code part}. */
  void offer(ByteBuf part) {
    if (discarding || !part.isReadable()) {
      part.release();
      return;
    }
    queued.addAndGet(part.readableBytes());
    parts.add(part);
    if (discarding) {
      drainQueued(); // closed meanwhile
    } else if (queued.get() > HIGH_WATER) {
      channel.config().setAutoRead(false);
    }
  }

  void end() {
    parts.add(END);
  }

  /** The connection went away before the body ended. */
  void abort() {
    parts.add(new EOFException("the client closed the connection before the request body ended"));
  }

  // ---- the handler's side ----

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (current == null || !current.isReadable()) {
      if (!next()) {
        return -1;
      }
    }
    int n = Math.min(len, current.readableBytes());
    current.readBytes(b, off, n);
    consumed(n);
    return n;
  }

  private boolean next() throws IOException {
    release();
    if (failure != null) {
      throw failure;
    }
    if (ended) {
      return false;
    }
    try {
      Object part = parts.take();
      if (part == END) {
        ended = true;
        return false;
      }
      if (part instanceof IOException e) {
        failure = e;
        throw e;
      }
      current = (ByteBuf) part;
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the request body");
    }
  }

  private void consumed(int n) {
    if (queued.addAndGet(-n) < LOW_WATER && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  private void release() {
    if (current != null) {
      consumed(current.readableBytes());
      current.release();
      current = null;
    }
  }

  /** The handler is done: what is queued is released and what still arrives is dropped. */
  @Override
  public void close() {
    discarding = true;
    release();
    drainQueued();
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  private void drainQueued() {
    for (Object part; (part = parts.poll()) != null; ) {
      if (part instanceof ByteBuf buf) {
        consumed(buf.readableBytes());
        buf.release();
      }
    }
  }
}

package dev.berth.daemon.server;

import dev.berth.common.io.BulkInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A connection taken out of HTTP, as Docker's attach does: the HTTP handlers leave the pipeline, the
 * response head is written raw (101 UPGRADED when the client asked to upgrade, else 200), and from
 * then on bytes pass through unchanged in both directions.
 */
final class HijackedConnection {
  private static final byte[] EOF = new byte[0];
  private final BlockingQueue<byte[]> incoming = new LinkedBlockingQueue<>();
  private final ChannelHandlerContext ctx;

  private HijackedConnection(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Takes the connection over; returns once the response head is on its way. */
  static HijackedConnection take(ChannelHandlerContext ctx, boolean upgrade, String contentType) throws IOException {
    HijackedConnection c = new HijackedConnection(ctx);
    String head = (upgrade ? "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n" : "HTTP/1.1 200 OK\r\n")
        + "Content-Type: " + contentType + "\r\nApi-Version: " + ApiVersion.CURRENT + "\r\n\r\n";
    CompletableFuture<Void> switched = new CompletableFuture<>();
    ctx.channel().eventLoop().execute(() -> {
      try {
        ChannelPipeline p = ctx.pipeline();
        p.addLast(c.new Inbound());
        for (String name : p.names()) {
          var h = p.get(name);
          if (h != null && !(h instanceof Inbound)) p.remove(name);
        }
        switched.complete(null);
      } catch (RuntimeException e) {
        switched.completeExceptionally(e);
      }
    });
    switched.join();
    ChannelOutputStream.await(ctx.channel().writeAndFlush(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII)));
    return c;
  }

  InputStream input() {
    return new BulkInputStream() {
      private byte[] current = new byte[0];
      private int pos;
      private boolean ended;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (pos >= current.length) {
          if (ended) return -1;
          try {
            current = incoming.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
          pos = 0;
          if (current == EOF) {
            ended = true;
            return -1;
          }
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  OutputStream output() {
    return ChannelOutputStream.raw(ctx.channel());
  }

  void close() {
    ctx.channel().close();
  }

  /** Feeds the client's bytes to {@link #input()}; its half-close or disconnect is the end of input. */
  private final class Inbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      try {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
          byte[] bytes = new byte[buf.readableBytes()];
          buf.readBytes(bytes);
          incoming.add(bytes);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) incoming.add(EOF);
      c.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
      incoming.add(EOF);
      c.fireChannelInactive();
    }
  }
}

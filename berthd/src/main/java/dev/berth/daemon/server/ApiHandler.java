package dev.berth.daemon.server;

import dev.berth.common.error.BerthException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedFile;
import io.netty.util.ReferenceCountUtil;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;

/**
 * Turns HTTP requests into {@link ApiRequest}s for the router. Handlers block (disk, processes), so
 * they run on virtual threads, never on Netty's event loop.
 */
final class ApiHandler extends ChannelInboundHandlerAdapter {
  private final Router router;
  private final ExecutorService workers;
  /** The body of the request being received on this connection, or null between requests. */
  private RequestBody body;

  ApiHandler(Router router, ExecutorService workers) {
    this.router = router;
    this.workers = workers;
  }

  /**
   * The handler starts as soon as the head has arrived and reads the body while it is received (on
   * the event loop, only parts are queued); the response is sent when the handler is done.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      RequestBody b = new RequestBody(ctx.channel());
      body = b;
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      workers.submit(() -> {
        ApiResponse response;
        try (b) {
          response = dispatch(req, b);
        }
        send(ctx, req.method().name().equals("HEAD"), response, keepAlive, req);
      });
    }
    if (msg instanceof HttpContent content) {
      RequestBody b = body;
      if (b == null) {
        content.release();
        return;
      }
      b.offer(content.content().retain());
      content.release();
      if (msg instanceof LastHttpContent) {
        b.end();
        body = null;
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (body != null) {
      body.abort();
      body = null;
    }
    super.channelInactive(ctx);
  }

  private ApiResponse dispatch(HttpRequest req, RequestBody content) {
    try {
      QueryStringDecoder query = new QueryStringDecoder(req.uri());
      String[] versioned = ApiVersion.split(query.path());
      Map.Entry<Router.Handler, Matcher> route = router.find(req.method().name(), versioned[1]);
      if (route == null) {
        return ApiResponse.json(404, Map.of("message", "page not found"));
      }
      ApiRequest request = new ApiRequest(req.method().name(), versioned[1], versioned[0], route.getValue(), query,
          req.headers(), content);
      return route.getKey().handle(request);
    } catch (BerthException e) {
      return ErrorMapping.response(e);
    } catch (Exception e) {
      return ApiResponse.json(500, Map.of("message", String.valueOf(e.getMessage())));
    }
  }

  private static void send(ChannelHandlerContext ctx, boolean head, ApiResponse r, boolean keepAlive,
      HttpRequest req) {
    HttpResponseStatus status = HttpResponseStatus.valueOf(r.status());
    try {
      if (r.hijack() != null) {
        hijack(ctx, r, req);
        return;
      }
      if (r.stream() != null) {
        stream(ctx, r, keepAlive);
        return;
      }
      if (r.file() != null) {
        RandomAccessFile raf = new RandomAccessFile(r.file().toFile(), "r");
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        headers(res, r, raf.length(), keepAlive);
        ctx.write(res);
        ctx.write(new ChunkedFile(raf, 0, raf.length(), 1 << 16));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
          raf.close();
          Files.deleteIfExists(r.file());
          if (!keepAlive) {
            ctx.close();
          }
        });
        return;
      }
      byte[] body = head ? new byte[0] : r.body();
      DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      headers(res, r, r.body().length, keepAlive);
      var f = ctx.writeAndFlush(res);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    } catch (java.io.IOException e) {
      ctx.close();
    }
  }

  /** A chunked response: the head goes out at once (clients such as `docker run` wait for it), the body as written. */
  private static void stream(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive) throws java.io.IOException {
    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()));
    headers(res, r, -1, keepAlive);
    HttpUtil.setTransferEncodingChunked(res, true);
    ChannelOutputStream.await(ctx.writeAndFlush(res));
    ChannelOutputStream out = ChannelOutputStream.chunked(ctx.channel());
    try {
      r.stream().write(out);
      out.close();
      if (!keepAlive) ctx.close();
    } catch (java.io.IOException | RuntimeException e) {
      // The head is gone: the only way left to say "failed" is to cut the connection.
      ctx.close();
    }
  }

  private static void hijack(ChannelHandlerContext ctx, ApiResponse r, HttpRequest req) throws java.io.IOException {
    boolean upgrade = req.headers().containsValue(HttpHeaderNames.CONNECTION, "Upgrade", true)
        || req.headers().contains(HttpHeaderNames.UPGRADE);
    HijackedConnection connection = HijackedConnection.take(ctx, upgrade, r.contentType());
    try {
      r.hijack().run(connection.input(), connection.output());
    } finally {
      connection.close();
    }
  }

  private static void headers(HttpResponse res, ApiResponse r, long length, boolean keepAlive) {
    if (r.contentType() != null) {
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    }
    if (length >= 0) res.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
    res.headers().set("Api-Version", ApiVersion.CURRENT);
    res.headers().set("Docker-Experimental", "false");
    res.headers().set("Ostype", "linux");
    res.headers().set("Server", "Berth/0.1.0 (linux)");
    r.headers().forEach((k, v) -> res.headers().set(k, v));
    HttpUtil.setKeepAlive(res, keepAlive);
  }
}

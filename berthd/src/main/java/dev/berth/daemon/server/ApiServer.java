package dev.berth.daemon.server;

import dev.berth.common.error.Unavailable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The Engine API on a unix socket (mode 0660), served by Netty's epoll transport. */
public final class ApiServer implements AutoCloseable {
  /** Request bodies (image archives, imports) are held whole for now: this bounds them. */
  static final int MAX_BODY = 1 << 30;

  private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final Path socket;
  private Channel channel;

  public ApiServer(Path socket) {
    this.socket = socket;
  }

  public void start(Router router) {
    try {
      Files.createDirectories(socket.getParent());
      Files.deleteIfExists(socket);
      channel = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
          // attach clients half-close when their stdin ends and still read the output
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY),
                  new ChunkedWriteHandler(), new ApiHandler(router, workers));
            }
          }).bind(new DomainSocketAddress(socket.toFile())).sync().channel();
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    } catch (IOException e) {
      throw new Unavailable("cannot listen on " + socket + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while binding " + socket, e);
    }
  }

  public void awaitClose() throws InterruptedException {
    channel.closeFuture().sync();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
    group.shutdownGracefully().syncUninterruptibly();
    workers.shutdown();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // the next start replaces it
    }
  }
}

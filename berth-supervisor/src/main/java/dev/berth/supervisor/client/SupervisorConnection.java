package dev.berth.supervisor.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A channel to a standalone supervisor on its unix socket, and the event loop it runs on. */
public final class SupervisorConnection implements AutoCloseable {
  /**
   * gRPC asks every client socket for SO_KEEPALIVE, which a unix socket does not have; Netty warns on
   * each connect. Held strongly: JUL forgets the level of a logger nobody references.
   */
  private static final java.util.logging.Logger BOOTSTRAP_LOG = quiet("io.netty.bootstrap.AbstractBootstrap");

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }

  private final EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
  private final ManagedChannel channel;

  public SupervisorConnection(Path socket) {
    this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
        .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).usePlaintext().build();
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.shutdownGracefully();
  }
}

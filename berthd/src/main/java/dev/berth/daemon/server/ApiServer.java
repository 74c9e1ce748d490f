package dev.berth.daemon.server;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLException;

/**
 * The Engine API on unix sockets (mode 0660, root and a group) and, with client-certificate TLS
 * only, on TCP; served by Netty's epoll transport.
 */
public final class ApiServer implements AutoCloseable {
  /** Request bodies (image archives, imports) are held whole for now: this bounds them. */

  private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Listener> listeners;
  private final List<Channel> channels = new ArrayList<>();
  /** The sockets this server made, by file key, so that closing never removes another daemon's. */
  private final List<OwnSocket> ownSockets = new ArrayList<>();

  private record OwnSocket(Path path, Object inode) {}

  public ApiServer(List<Listener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  public void start(Router router) {
    for (Listener listener : listeners) {
      switch (listener) {
        case Listener.Unix unix -> listenUnix(unix, router);
        case Listener.Tcp tcp -> listenTcp(tcp, router);
      }
    }
  }

  private ServerBootstrap bootstrap(Router router, SslContext tls) {
    return new ServerBootstrap().group(group)
        // attach clients half-close when their stdin ends and still read the output
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc()));
            // Bodies are not aggregated: handlers read them as they arrive (RequestBody).
            ch.pipeline().addLast(new HttpServerCodec(4096, 1 << 16, 1 << 16), new HttpServerExpectContinueHandler(),
                new ChunkedWriteHandler(), new ApiHandler(router, workers));
          }
        });
  }

  private void listenUnix(Listener.Unix unix, Router router) {
    Path socket = unix.socket();
    try {
      Files.createDirectories(socket.getParent());
      if (Files.exists(socket)) {
        if (answers(socket)) throw new Conflict("another daemon is listening on " + socket);
        Files.delete(socket);
      }
      Channel channel = bootstrap(router, null).channel(EpollServerDomainSocketChannel.class)
          .bind(new DomainSocketAddress(socket.toFile())).sync().channel();
      channels.add(channel);
      ownSockets.add(new OwnSocket(socket, Files.readAttributes(socket, "unix:ino").get("ino")));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
      if (unix.group() != null) giveToGroup(socket, unix.group(), unix.groupRequired());
    } catch (IOException e) {
      throw new Unavailable("cannot listen on " + socket + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while binding " + socket, e);
    }
  }

  private static boolean answers(Path socket) {
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false; // a stale socket file of a daemon that is gone
    }
  }

  private static void giveToGroup(Path socket, String name, boolean required) throws IOException {
    try {
      GroupPrincipal group = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
      Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
    } catch (UserPrincipalNotFoundException e) {
      if (required) throw new InvalidArgument("group " + name + " for " + socket + " does not exist");
      System.err.println("berthd: no group " + name + "; " + socket + " is for root only");
    }
  }

  private void listenTcp(Listener.Tcp tcp, Router router) {
    SslContext tls;
    try {
      tls = SslContextBuilder.forServer(tcp.cert().toFile(), tcp.key().toFile())
          .trustManager(tcp.caCert().toFile()).clientAuth(ClientAuth.REQUIRE).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new InvalidArgument("cannot use the TLS files (" + tcp.cert() + ", " + tcp.key() + ", " + tcp.caCert()
          + "): " + e.getMessage(), e);
    }
    try {
      channels.add(bootstrap(router, tls).channel(EpollServerSocketChannel.class).bind(tcp.address()).sync().channel());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while binding " + tcp.address(), e);
    } catch (Exception e) {
      // Netty rethrows the bind's IOException unchecked.
      throw new Unavailable("cannot listen on " + tcp.address() + ": " + e.getMessage(), e);
    }
  }

  public void awaitClose() throws InterruptedException {
    for (Channel channel : channels) channel.closeFuture().sync();
  }

  @Override
  public void close() {
    for (Channel channel : channels) channel.close().syncUninterruptibly();
    group.shutdownGracefully().syncUninterruptibly();
    workers.shutdown();
    for (OwnSocket own : ownSockets) {
      try {
        if (Files.exists(own.path()) && own.inode().equals(Files.readAttributes(own.path(), "unix:ino").get("ino"))) {
          Files.delete(own.path());
        }
      } catch (IOException ignored) {
        // the next start replaces it
      }
    }
  }
}

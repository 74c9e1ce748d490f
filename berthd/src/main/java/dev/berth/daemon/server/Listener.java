package dev.berth.daemon.server;

import dev.berth.common.error.InvalidArgument;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Where the API listens: a unix socket for local clients, or TCP with client-certificate TLS. */
public sealed interface Listener {
  /**
   * @param group the group given the socket (mode 0660), or null for root only
   * @param groupRequired whether a missing group is an error (it was asked for) or only a warning
   */
  record Unix(Path socket, String group, boolean groupRequired) implements Listener {}

  /** @param tls PEM files: the CA that signs clients' certificates, the server's certificate and key */
  record Tcp(InetSocketAddress address, Path caCert, Path cert, Path key) implements Listener {
    /** {@code host:port}, {@code [v6]:port}; the port is required (Docker's 2376 is a convention, not a default here). */
    public static InetSocketAddress parse(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostPort.length() - 1) {
        throw new InvalidArgument("invalid TCP address " + hostPort + ": use host:port");
      }
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
      try {
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        if (port < 1 || port > 65535) throw new NumberFormatException();
        return new InetSocketAddress(host, port);
      } catch (NumberFormatException e) {
        throw new InvalidArgument("invalid port in " + hostPort);
      }
    }
  }
}

package dev.berth.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.Unavailable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's side of the protocol against a scripted stand-in for the shim. */
class ShimClientTest {
  @TempDir Path dir;
  private ServerSocketChannel server;
  private Thread acceptor;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /** Serves each connection: reads one request line, writes what the script returns for it. */
  private void serve(Function<String, byte[]> script) throws IOException {
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(dir.resolve(ShimClient.SOCKET_NAME)));
    acceptor = Thread.ofVirtual().start(() -> {
      while (true) {
        try (SocketChannel conn = server.accept()) {
          String line = ShimClient.readLine(conn);
          requests.add(line);
          ByteBuffer reply = ByteBuffer.wrap(script.apply(line));
          while (reply.hasRemaining()) conn.write(reply);
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private void serve(Map<String, String> replies) throws IOException {
    serve(line -> replies.getOrDefault(line, "error unknown request\n").getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) server.close();
    if (acceptor != null) acceptor.join(5000);
  }

  @Test
  void simpleRequestsAndTheirErrors() throws IOException {
    serve(Map.of(
        "start", "ok\n",
        "resize 24 80", "ok\n",
        "kill 15", "error container c1 is already stopped\n",
        "state exec=e9", "error no such exec e9\n",
        "close-stdin", "error something broke\n",
        "state", "{\"id\":\"c1\",\"pid\":7,\"status\":\"running\"}\n"));
    ShimClient client = new ShimClient(dir);
    client.start();
    client.resize(24, 80);
    assertEquals(7, client.state().pid());
    assertThrows(Conflict.class, () -> client.kill(15));
    assertThrows(NotFound.class, () -> client.exec("e9").state());
    Internal e = assertThrows(Internal.class, client::closeStdin);
    assertEquals("close-stdin: something broke", e.getMessage());
    assertEquals(List.of("start", "resize 24 80", "state", "kill 15", "state exec=e9", "close-stdin"), requests);
  }

  @Test
  void waitPrefersTheRecordedExitFile() throws IOException {
    Files.writeString(dir.resolve("exit.json"), "{\"pid\":7,\"exit_code\":3,\"signal\":0,\"exited_at\":\"2026-11-22T11:00:00Z\"}");
    serve(Map.of("wait", "exit 3 2026-11-22T11:00:00.000000000Z\n"));
    ExitStatus status = new ShimClient(dir).onExit().join();
    assertEquals(7, status.pid());
    assertEquals(3, status.exitCode());
  }

  @Test
  void waitFallsBackToTheExitFileWhenTheShimIsGone() throws IOException {
    ShimClient client = new ShimClient(dir);
    assertThrows(Unavailable.class, client::waitExit);
    Files.writeString(dir.resolve("exec-e1.exit.json"), "{\"pid\":8,\"exit_code\":137,\"signal\":9,\"exited_at\":\"2026-11-22T11:00:00Z\"}");
    assertEquals(137, client.exec("e1").waitExit().exitCode());
    assertThrows(Unavailable.class, client::start);
  }

  @Test
  void attachReadsFramesAfterTheReply() throws IOException {
    serve(line -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes("ok\n".getBytes(StandardCharsets.UTF_8));
      out.writeBytes(StreamFrame.header(StreamFrame.STDERR, 3));
      out.writeBytes("hi\n".getBytes(StandardCharsets.UTF_8));
      return out.toByteArray();
    });
    try (Attachment attachment = new ShimClient(dir).exec("e1").attach(true, true, true, true, false)) {
      StreamFrame frame = attachment.nextFrame().orElseThrow();
      assertEquals(StreamFrame.STDERR, frame.stream());
      assertEquals("hi\n", new String(frame.payload(), StandardCharsets.UTF_8));
      assertTrue(attachment.nextFrame().isEmpty());
    }
    assertEquals(List.of("attach stdin stdout stderr stdin-once exec=e1"), requests);
  }

  @Test
  void execSendsItsProcessFileAndReturnsThePid() throws IOException {
    serve(Map.of("exec e1 /p/process.json terminal stdin", "ok 99\n", "exec e2 /p/process.json detach", "error container c1 is not running\n"));
    ShimClient client = new ShimClient(dir);
    assertEquals(99, client.startExec("e1", Path.of("/p/process.json"), true, true, false));
    assertThrows(Conflict.class, () -> client.startExec("e2", Path.of("/p/process.json"), false, false, true));
  }
}

package dev.berth.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamFrameTest {
  private static byte[] frames(Object... streamAndText) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < streamAndText.length; i += 2) {
      byte[] payload = ((String) streamAndText[i + 1]).getBytes(StandardCharsets.UTF_8);
      out.write(StreamFrame.header((Integer) streamAndText[i], payload.length));
      out.write(payload);
    }
    return out.toByteArray();
  }

  @Test
  void headerIsDockersLayout() {
    assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 0, 1, 3}, StreamFrame.header(2, 259));
    assertArrayEquals(new byte[] {1, 0, 0, 0, 1, 2, 3, 4}, StreamFrame.header(1, 0x01020304));
  }

  @Test
  void decodesFramesInOrderThenEnds() throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(frames(1, "out\n", 2, "err\n", 1, ""));
    StreamFrame first = StreamFrame.read(in).orElseThrow();
    assertEquals(StreamFrame.STDOUT, first.stream());
    assertEquals("out\n", new String(first.payload(), StandardCharsets.UTF_8));
    StreamFrame second = StreamFrame.read(in).orElseThrow();
    assertEquals(StreamFrame.STDERR, second.stream());
    assertEquals(0, StreamFrame.read(in).orElseThrow().payload().length);
    assertTrue(StreamFrame.read(in).isEmpty());
  }

  @Test
  void refusesTruncatedAndCorruptStreams() throws IOException {
    byte[] whole = frames(1, "hello");
    assertThrows(EOFException.class, () -> StreamFrame.read(new ByteArrayInputStream(whole, 0, 5)));
    assertThrows(EOFException.class, () -> StreamFrame.read(new ByteArrayInputStream(whole, 0, whole.length - 1)));
    byte[] corrupt = whole.clone();
    corrupt[0] = 7;
    assertThrows(IOException.class, () -> StreamFrame.read(new ByteArrayInputStream(corrupt)));
    byte[] huge = StreamFrame.header(1, Integer.MAX_VALUE);
    assertThrows(IOException.class, () -> StreamFrame.read(new ByteArrayInputStream(huge)));
  }
}

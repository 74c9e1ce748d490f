package dev.berth.supervisor.shim;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * One frame of Docker's multiplexed attach stream: an 8-byte header (stream, three zero bytes, the
 * payload's length as a big-endian uint32) and the payload. Used when the container has no terminal.
 */
public record StreamFrame(int stream, byte[] payload) {
  public static final int STDIN = 0;
  public static final int STDOUT = 1;
  public static final int STDERR = 2;
  public static final int HEADER_LENGTH = 8;
  /** Larger frames are not something a shim sends (it sends at most one read's worth): a corrupt stream. */
  static final int MAX_PAYLOAD = 1 << 24;

  public static byte[] header(int stream, int length) {
    return new byte[] {(byte) stream, 0, 0, 0, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8),
        (byte) length};
  }

  /** The next frame, or empty at a clean end of stream (between frames). */
  public static Optional<StreamFrame> read(InputStream in) throws IOException {
    byte[] header = new byte[HEADER_LENGTH];
    int got = in.readNBytes(header, 0, HEADER_LENGTH);
    if (got == 0) return Optional.empty();
    if (got < HEADER_LENGTH) throw new EOFException("attach stream ended inside a frame header");
    int stream = header[0];
    if (stream < STDIN || stream > STDERR || header[1] != 0 || header[2] != 0 || header[3] != 0) {
      throw new IOException("not a multiplexed stream frame header (stream byte " + stream + ")");
    }
    long length = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
    if (length > MAX_PAYLOAD) throw new IOException("attach frame of " + length + " bytes is too large");
    byte[] payload = in.readNBytes((int) length);
    if (payload.length < length) throw new EOFException("attach stream ended inside a frame");
    return Optional.of(new StreamFrame(stream, payload));
  }
}

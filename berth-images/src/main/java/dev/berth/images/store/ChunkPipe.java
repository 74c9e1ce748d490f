package dev.berth.images.store;

import java.io.IOException;
import dev.berth.common.io.BulkInputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pipe of byte chunks from one writer thread to one reader thread. Unlike
 * {@link java.io.PipedInputStream}, it moves whole chunks (no per-byte locking or polling), and a
 * reader that stops early ({@link Source#close()}) never leaves the writer blocked: what is written
 * after that is dropped. The writer ends the stream with {@link Sink#close()} or fails it with
 * {@link Sink#fail}, which the reader sees as an IOException.
 */
final class ChunkPipe {
  private static final byte[] END = new byte[0];
  private final BlockingQueue<byte[]> chunks;
  private volatile boolean abandoned;
  private volatile IOException failure;
  private final Sink sink = new Sink();
  private final Source source = new Source();

  /** @param capacity how many chunks may wait before the writer blocks */
  ChunkPipe(int capacity) {
    this.chunks = new ArrayBlockingQueue<>(capacity);
  }

  Sink sink() {
    return sink;
  }

  Source source() {
    return source;
  }

  final class Sink extends OutputStream {
    private boolean closed;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > 0 && !closed) {
        put(java.util.Arrays.copyOfRange(b, off, off + len));
      }
    }

    /** Ends the stream with an error the reader will see instead of the end. */
    void fail(IOException e) throws IOException {
      failure = e;
      close();
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        put(END);
      }
    }

    private void put(byte[] chunk) throws IOException {
      try {
        while (!abandoned && !chunks.offer(chunk, 50, TimeUnit.MILLISECONDS)) {
          // waiting for the reader to take a chunk, or to give up
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while piping a layer");
      }
    }
  }

  final class Source extends BulkInputStream {
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == current.length) {
        if (ended) {
          return -1;
        }
        next();
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }

    private void next() throws IOException {
      try {
        byte[] chunk = chunks.take();
        if (chunk == END) {
          ended = true;
          if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
          }
        }
        current = chunk;
        pos = 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading a piped layer");
      }
    }

    /** Stops reading: the writer's further chunks are dropped. */
    @Override
    public void close() {
      abandoned = true;
      chunks.clear();
    }
  }
}

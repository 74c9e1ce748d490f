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
  /** Bytes per chunk: what one read of a request body or a file gives at most. */
  static final int CHUNK = 64 << 10;
  private static final Chunk END = new Chunk(new byte[0], 0);

  /** Some bytes on their way: the first {@code length} of {@code data}. */
  private record Chunk(byte[] data, int length) {}

  private final BlockingQueue<Chunk> chunks;
  /**
   * Arrays the reader is done with, for the writer to fill again. A pipe allocates at most its
   * capacity of them once, instead of one per write: a young collection would copy each array that
   * waits in the pipe, tens of megabytes per collection during a load.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> free = new java.util.concurrent.ConcurrentLinkedQueue<>();
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
      while (len > 0 && !closed) {
        byte[] data = free.poll();
        if (data == null) {
          data = new byte[CHUNK];
        }
        int n = Math.min(len, CHUNK);
        System.arraycopy(b, off, data, 0, n);
        put(new Chunk(data, n));
        off += n;
        len -= n;
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

    private void put(Chunk chunk) throws IOException {
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
    private Chunk current = new Chunk(new byte[0], 0);
    private int pos;
    private boolean ended;

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == current.length()) {
        if (ended) {
          return -1;
        }
        next();
      }
      int n = Math.min(len, current.length() - pos);
      System.arraycopy(current.data(), pos, b, off, n);
      pos += n;
      return n;
    }

    private void next() throws IOException {
      try {
        if (current.data().length == CHUNK) {
          free.offer(current.data());
        }
        Chunk chunk = chunks.take();
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

package dev.berth.common.io;

import java.io.IOException;
import java.io.InputStream;

/**
 * An InputStream that only reads in bulk: subclasses implement {@link #read(byte[], int, int)} and the
 * single-byte {@link #read()} goes through it.
 */
public abstract class BulkInputStream extends InputStream {
  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    for (;;) {
      int n = read(one, 0, 1);
      if (n < 0) {
        return -1;
      }
      if (n == 1) {
        return one[0] & 0xff;
      }
    }
  }

  @Override
  public abstract int read(byte[] b, int off, int len) throws IOException;
}

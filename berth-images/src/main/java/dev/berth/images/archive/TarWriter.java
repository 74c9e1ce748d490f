package dev.berth.images.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes archive members with fixed metadata, so the same images always give the same archive. */
final class TarWriter implements AutoCloseable {
  private final TarArchiveOutputStream tar;

  TarWriter(OutputStream out) {
    this.tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  void directory(String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040755);
    e.setModTime(0);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  void file(String name, byte[] content) throws IOException {
    TarArchiveEntry e = entry(name, content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  void file(String name, String content) throws IOException {
    file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  void file(String name, InputStream content, long size) throws IOException {
    tar.putArchiveEntry(entry(name, size));
    content.transferTo(tar);
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, long size) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(size);
    e.setMode(0100644);
    e.setModTime(0);
    return e;
  }

  @Override
  public void close() throws IOException {
    tar.finish();
    tar.flush();
  }
}

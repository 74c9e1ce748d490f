package dev.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.berth.runtime.spec.LinuxSeccomp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeccompCacheTest {
  @TempDir Path dir;

  private static final LinuxSeccomp FILTER = SeccompCompilerTest.seccomp("""
      {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
       "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
      """);

  @Test
  void storesAndReusesTheCompiledProgram() throws Exception {
    SeccompCache cache = new SeccompCache(dir.resolve("cache"));
    SeccompProgram first = cache.compile(FILTER);
    List<Path> entries;
    try (var s = Files.list(dir.resolve("cache"))) {
      entries = s.toList();
    }
    assertEquals(1, entries.size());
    SeccompProgram again = cache.compile(FILTER);
    assertArrayEquals(first.filter(), again.filter());
    assertEquals(first.flags(), again.flags());
    assertArrayEquals(SeccompCompiler.compile(FILTER).filter(), again.filter());
    // The cached bytes are what is used: a corrupted (odd-sized) entry is recompiled, not trusted.
    Files.write(entries.get(0), new byte[] {1, 2, 3});
    assertArrayEquals(first.filter(), cache.compile(FILTER).filter());
    assertEquals(4 + first.filter().length, Files.size(entries.get(0)));
  }

  @Test
  void differentFiltersHaveDifferentKeys() {
    LinuxSeccomp other = SeccompCompilerTest.seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    assertNotEquals(SeccompCache.key(FILTER), SeccompCache.key(other));
    assertEquals(SeccompCache.key(FILTER), SeccompCache.key(FILTER));
  }
}

package dev.berth.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.spec.Process;
import dev.berth.runtime.sys.RecordingSyscalls;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The runtime's own pty, against a recording fake kernel: every fd it makes is closed again. */
class ForegroundConsoleTest {
  @Test
  void theInitsEndIsClosedOnceTheMasterArrivedAndTheMasterOnClose() {
    RecordingSyscalls sys = new RecordingSyscalls();
    ForegroundConsole console = ForegroundConsole.open(sys);
    int initEnd = console.initEnd();
    assertTrue(sys.open.contains(initEnd));
    console.receive();
    assertEquals(List.of("seqpacketPair", "close " + initEnd, "receiveFd 10", "close 10"), sys.calls);
    assertEquals(1, sys.open.size(), "only the master is left open");
    console.attach(0, 1);
    console.close();
    assertEquals(Set.of(), sys.open);
    assertTrue(sys.calls.stream().noneMatch(c -> c.startsWith("makeRaw")), "stdin is no terminal here");
  }

  @Test
  void aConsoleThatNeverGotItsMasterClosesBothEnds() {
    RecordingSyscalls sys = new RecordingSyscalls();
    ForegroundConsole.open(sys).close();
    assertEquals(Set.of(), sys.open);
  }

  @Test
  void withoutATerminalTheProcessKeepsItsOwnSize() {
    Process p = new Process(true, null, null, List.of("sh"), null, null, "/", null, null, null, null, null, null,
        null, null, null);
    assertSame(p, ForegroundConsole.sizedLike(new RecordingSyscalls(), 0, p));
  }
}

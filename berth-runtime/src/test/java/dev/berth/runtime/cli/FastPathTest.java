package dev.berth.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The fast path reads a line exactly as picocli does, or leaves it to picocli. */
class FastPathTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "run --bundle /b id",
      "run -b /b -d id",
      "run --detach --keep --bundle=/b id",
      "run id --bundle rel/b",
      "run --pid-file p --console-socket /s --no-pivot --no-new-keyring --preserve-fds 2 id",
      "run --preserve-fds=0 id",
      "--root /r --log /l --log-format json create --bundle /b --pid-file /p id",
      "--root=/r --log-format=text create -b /b --console-socket /s --no-pivot --no-new-keyring id",
      "--debug --systemd-cgroup start id",
      "--rootless false start id",
      "kill id",
      "kill id KILL",
      "kill --all id 9",
      "kill -a id SIGKILL",
      "delete id",
      "delete -f id",
      "delete id --force",
      "exec id",
      "exec --process /p.json --detach --pid-file /pid --console-socket /s id",
      "exec -p p.json -d id",
      "--root /r --log /l --log-format json exec --process=/p.json --detach --pid-file=/pid id",
      "exec -t -e A=1 --env B=2 -e C=3 --cwd /tmp -u 5:6 -g 7 --additional-gids 8 -c CAP_KILL --cap CAP_CHOWN id sh",
      "exec --no-new-privs --preserve-fds 1 --apparmor a --process-label l id ls -la --color=auto",
      "exec id sh -c --detach -e X",
  })
  void readsWhatPicocliReads(String line) throws Exception {
    String[] args = line.split(" ");
    Main fast = new Main();
    Callable<Integer> command = FastPath.parse(fast, args);
    assertNotNull(command, "the fast path left a line it should read: " + line);

    Main slow = new Main();
    CommandLine.ParseResult parsed = Main.commandLine(slow).parseArgs(args);
    Object expected = parsed.subcommand().commandSpec().userObject();

    assertEquals(expected.getClass(), command.getClass(), line);
    assertEquals(fields(slow), fields(fast), line);
    assertEquals(fields(expected), fields(command), line);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "--help", "-h", "--version", "-V", "run --help", "run", "run a b", "", "--root /r",
      "run --bundle /b --bundle /c id", "run -b /b --bundle /c id", "delete -f -f id", "delete -ff id",
      "run -dk id", "kill id 9 extra", "run -- id", "run @args", "run --bundle= id", "run --detach=true id",
      "run --preserve-fds x id", "run --preserve-fds -1 id", "run --unknown id", "--root run start id",
      "--unknown start id", "list", "state id", "ps id", "spec", "--aot-training",
      "run --bundle", "create -b -d id",
      "exec", "exec -d -d id", "exec --process - id", "exec -g x id", "exec -g -1 id", "exec --cwd= id",
      "exec -dt id", "exec --unknown id", "exec id -- ls", "exec id echo @x",
  })
  void leavesEverythingElseToPicocli(String line) {
    String[] args = line.isEmpty() ? new String[0] : line.split(" ");
    assertNull(FastPath.parse(new Main(), args), line);
  }

  /** Every option of a command object and its mixins, by name, as text. */
  private static List<String> fields(Object o) throws IllegalAccessException {
    List<String> out = new ArrayList<>();
    for (Field f : o.getClass().getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getType() == Main.class
          || f.getType() == CommandLine.Model.CommandSpec.class || f.getName().equals("runtime")
          || f.getName().equals("errorLog")) {
        continue;
      }
      f.setAccessible(true);
      Object v = f.get(o);
      if (v instanceof LifecycleCommands.CreateArgs mixin) {
        out.add(f.getName() + "=" + fields(mixin));
      } else {
        out.add(f.getName() + "=" + v);
      }
    }
    return out;
  }
}

package dev.berth.supervisor.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.PermissionDenied;
import dev.berth.common.error.Unavailable;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {
  @Test
  void everyKindSurvivesTheRoundTripWithItsMessage() {
    List<BerthException> kinds = List.of(new NotFound("no such container: x"), new Conflict("running"),
        new InvalidArgument("bad id"), new Unavailable("shim gone"), new PermissionDenied("no"), new Internal("boom"));
    for (BerthException e : kinds) {
      BerthException back = GrpcErrors.fromStatus(GrpcErrors.toStatus(e));
      assertEquals(e.getClass(), back.getClass());
      assertEquals(e.getMessage(), back.getMessage());
    }
  }

  @Test
  void conflictsAreFailedPreconditionsAndUnknownErrorsStayUnknown() {
    assertEquals(Status.Code.FAILED_PRECONDITION, GrpcErrors.toStatus(new Conflict("c")).getStatus().getCode());
    assertEquals(Status.Code.UNKNOWN, GrpcErrors.toStatus(new IllegalStateException("x")).getStatus().getCode());
    assertEquals(Internal.class, GrpcErrors.fromStatus(Status.UNKNOWN.asRuntimeException()).getClass());
  }
}

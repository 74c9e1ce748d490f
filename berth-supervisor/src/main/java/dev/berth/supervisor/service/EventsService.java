package dev.berth.supervisor.service;

import dev.berth.supervisor.api.v1.Event;
import dev.berth.supervisor.api.v1.EventsGrpc;
import dev.berth.supervisor.api.v1.SubscribeRequest;
import dev.berth.supervisor.event.TaskEvents;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** The event stream: a server-streaming call that lasts until the client cancels it. */
public final class EventsService extends EventsGrpc.EventsImplBase {
  private final TaskEvents events;

  public EventsService(TaskEvents events) {
    this.events = events;
  }

  @Override
  public void subscribe(SubscribeRequest req, StreamObserver<Event> out) {
    ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) out;
    Instant since = req.hasSince() ? Instant.ofEpochSecond(req.getSince().getSeconds(), req.getSince().getNanos()) : null;
    AtomicReference<TaskEvents.Subscription> subscription = new AtomicReference<>();
    call.setOnCancelHandler(() -> {
      TaskEvents.Subscription s = subscription.get();
      if (s != null) s.close();
    });
    subscription.set(events.subscribe(since, Set.copyOf(req.getContainerIdsList()), e -> {
      if (!call.isCancelled()) call.onNext(e);
    }));
    if (call.isCancelled()) subscription.get().close();
  }
}

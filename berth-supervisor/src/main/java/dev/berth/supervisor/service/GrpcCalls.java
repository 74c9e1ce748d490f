package dev.berth.supervisor.service;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs a unary call's work and answers with its result, or with the error's gRPC status. */
final class GrpcCalls {
  private GrpcCalls() {}

  static <T> void unary(StreamObserver<T> observer, Supplier<T> work) {
    T result;
    try {
      result = work.get();
    } catch (RuntimeException e) {
      observer.onError(GrpcErrors.toStatus(e));
      return;
    }
    observer.onNext(result);
    observer.onCompleted();
  }
}

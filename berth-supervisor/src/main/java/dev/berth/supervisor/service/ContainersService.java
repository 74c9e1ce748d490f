package dev.berth.supervisor.service;

import dev.berth.supervisor.api.v1.Container;
import dev.berth.supervisor.api.v1.ContainersGrpc;
import dev.berth.supervisor.api.v1.CreateContainerRequest;
import dev.berth.supervisor.api.v1.DeleteContainerRequest;
import dev.berth.supervisor.api.v1.DeleteContainerResponse;
import dev.berth.supervisor.api.v1.GetContainerRequest;
import dev.berth.supervisor.api.v1.ListContainersRequest;
import dev.berth.supervisor.api.v1.ListContainersResponse;
import dev.berth.supervisor.container.ContainerManager;
import dev.berth.supervisor.container.ContainerRecord;
import io.grpc.stub.StreamObserver;

/** The Containers gRPC service over {@link ContainerManager}. */
public final class ContainersService extends ContainersGrpc.ContainersImplBase {
  private final ContainerManager containers;

  public ContainersService(ContainerManager containers) {
    this.containers = containers;
  }

  @Override
  public void create(CreateContainerRequest req, StreamObserver<Container> out) {
    GrpcCalls.unary(out, () -> {
      ContainerRecord r = containers.create(req.getId(), req.getImage(), req.getRuntime(), req.getSpec().toByteArray(),
          req.getLabelsMap());
      return Protos.container(r, req.getSpec().toByteArray());
    });
  }

  @Override
  public void get(GetContainerRequest req, StreamObserver<Container> out) {
    GrpcCalls.unary(out, () -> Protos.container(containers.get(req.getId()), containers.spec(req.getId())));
  }

  @Override
  public void list(ListContainersRequest req, StreamObserver<ListContainersResponse> out) {
    GrpcCalls.unary(out, () -> {
      ListContainersResponse.Builder b = ListContainersResponse.newBuilder();
      for (ContainerRecord r : containers.list()) {
        if (r.labels().entrySet().containsAll(req.getLabelFilterMap().entrySet())) {
          b.addContainers(Protos.container(r, containers.spec(r.id())));
        }
      }
      return b.build();
    });
  }

  @Override
  public void delete(DeleteContainerRequest req, StreamObserver<DeleteContainerResponse> out) {
    GrpcCalls.unary(out, () -> {
      containers.delete(req.getId());
      return DeleteContainerResponse.getDefaultInstance();
    });
  }
}

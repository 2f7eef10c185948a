package dev.ferry.api.runtime;

import dev.ferry.workflows.FerryAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's search attributes ({@link FerryAttributes}) in a Temporal namespace: registers the
 * missing ones through the operator API ({@code OperatorService.AddSearchAttributes}), or says
 * exactly which to add when Ferry may not. Workflows are given their labels (and so set their
 * attributes) only once the namespace has every one: an upsert of an unknown attribute would fail
 * the workflow's tasks.
 */
public final class SearchAttributeSetup {
  private static final Logger log = LoggerFactory.getLogger(SearchAttributeSetup.class);

  /** Namespaces (per service address) known to have every attribute. */
  private static final Set<String> READY = ConcurrentHashMap.newKeySet();

  private SearchAttributeSetup() {}

  /**
   * Adds the attributes the namespace lacks. Returns those still missing (empty when all are
   * there); when Ferry lacks the permission, logs the command an operator runs to add them.
   */
  public static List<String> ensure(WorkflowServiceStubs stubs, String namespace) {
    OperatorServiceStubs op =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder(stubs.getOptions()).build());
    try {
      Map<String, IndexedValueType> missing;
      try {
        missing = missing(op, namespace);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
          throw e;
        }
        // the Java SDK's test server adds attributes but cannot list them: add them all
        missing = FerryAttributes.definitions();
      }
      if (missing.isEmpty()) {
        READY.add(key(stubs, namespace));
        return List.of();
      }
      try {
        op.blockingStub()
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .addSearchAttributes(
                AddSearchAttributesRequest.newBuilder()
                    .setNamespace(namespace)
                    .putAllSearchAttributes(missing)
                    .build());
        log.info("registered search attributes {} in namespace {}", missing.keySet(), namespace);
        READY.add(key(stubs, namespace));
        return List.of();
      } catch (StatusRuntimeException e) {
        // Another process (a second ferry server starting at the same time) may have added some
        // or all of them meanwhile, which fails this request as a whole: ask again what lacks.
        if (addedMeanwhile(op, namespace, e.getStatus().getCode() == Status.Code.ALREADY_EXISTS)) {
          READY.add(key(stubs, namespace));
          return List.of();
        }
        log.warn(
            "cannot register Ferry's search attributes in namespace {} ({}): its workflows run"
                + " without them until they are added; an operator of the cluster adds them with: {}",
            namespace,
            e.getStatus().getCode(),
            command(namespace, missing.keySet()));
        return List.copyOf(missing.keySet());
      }
    } catch (StatusRuntimeException e) {
      log.warn(
          "cannot list the search attributes of namespace {} ({}); Ferry's workflows run without"
              + " them. To have them, add them with: {}",
          namespace,
          e.getStatus().getCode(),
          command(namespace, FerryAttributes.definitions().keySet()));
      return List.copyOf(FerryAttributes.definitions().keySet());
    } finally {
      op.shutdownNow();
    }
  }

  /**
   * Whether workflows started through {@code client} may set Ferry's search attributes: the
   * namespace has every one (checked once, then remembered; a namespace lacking some is checked
   * again at the next start).
   */
  public static boolean ready(WorkflowClient client) {
    WorkflowServiceStubs stubs = client.getWorkflowServiceStubs();
    String namespace = client.getOptions().getNamespace();
    if (READY.contains(key(stubs, namespace))) {
      return true;
    }
    OperatorServiceStubs op =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder(stubs.getOptions()).build());
    try {
      if (missing(op, namespace).isEmpty()) {
        READY.add(key(stubs, namespace));
        return true;
      }
      return false;
    } catch (StatusRuntimeException e) {
      return false;
    } finally {
      op.shutdownNow();
    }
  }

  /**
   * Whether the namespace has every attribute now, after an add that failed: adds what still lacks
   * (once more, as the other process may have added only part), then lists again. On a server that
   * cannot list them (the SDK's test server), an add refused as "already exists" means they are.
   */
  private static boolean addedMeanwhile(
      OperatorServiceStubs op, String namespace, boolean alreadyExists) {
    try {
      Map<String, IndexedValueType> still = missing(op, namespace);
      if (!still.isEmpty()) {
        op.blockingStub()
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .addSearchAttributes(
                AddSearchAttributesRequest.newBuilder()
                    .setNamespace(namespace)
                    .putAllSearchAttributes(still)
                    .build());
        still = missing(op, namespace);
      }
      return still.isEmpty();
    } catch (StatusRuntimeException e) {
      return alreadyExists && e.getStatus().getCode() == Status.Code.UNIMPLEMENTED;
    }
  }

  /** The CLI command that adds {@code names} as Keyword attributes. */
  static String command(String namespace, Set<String> names) {
    return "temporal operator search-attribute create --namespace "
        + namespace
        + names.stream().map(n -> " --name " + n).collect(Collectors.joining())
        + " --type Keyword";
  }

  private static Map<String, IndexedValueType> missing(OperatorServiceStubs op, String namespace) {
    Map<String, IndexedValueType> have =
        op.blockingStub()
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .listSearchAttributes(
                ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
            .getCustomAttributesMap();
    Map<String, IndexedValueType> out = new LinkedHashMap<>();
    FerryAttributes.definitions()
        .forEach(
            (name, type) -> {
              if (!have.containsKey(name)) {
                out.put(name, type);
              }
            });
    return out;
  }

  private static String key(WorkflowServiceStubs stubs, String namespace) {
    return stubs.getOptions().getTarget() + "/" + namespace;
  }
}

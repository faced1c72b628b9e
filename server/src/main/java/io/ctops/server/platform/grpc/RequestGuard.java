package io.ctops.server.platform.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands between the transport and a service's handlers, for two things grpc-java leaves to the
 * application:
 *
 * <ul>
 *   <li>A request that does not parse (bytes that are not UTF-8 in a string field, a truncated
 *       message) would end the call with {@code UNKNOWN "Application error processing RPC"}, and
 *       the handler of a streaming call would only hear "client cancelled". Here the call ends with
 *       {@code INVALID_ARGUMENT} saying which message type did not parse, and the handler is told
 *       the call ended (as a cancellation) with {@link #refusal()} giving the reason, so it can
 *       record it (a software scan fails with it).
 *   <li>A status description is sent in a header, and one longer than the client's header limit (8
 *       KiB by default) reaches the agent as {@code INTERNAL "http2 exception"} instead of the
 *       status: descriptions are cut to {@link #DESCRIPTION_LIMIT} characters.
 * </ul>
 */
public final class RequestGuard {
  private static final Logger log = LoggerFactory.getLogger(RequestGuard.class);

  static final int DESCRIPTION_LIMIT = 1000;

  private static final Context.Key<Status> REFUSAL = Context.key("ctops-request-refusal");

  // Hands the message's bytes over unparsed; the original marshaller parses them in onMessage,
  // while the stream is still open (the transport closes it once onMessage returns).
  private static final MethodDescriptor.Marshaller<InputStream> UNPARSED =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
          return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
          return stream;
        }
      };

  private RequestGuard() {}

  /**
   * Why the call being ended was refused, while its handler is told it ended; empty in any other
   * case (the client cancelled, the stream broke).
   */
  public static Optional<Status> refusal() {
    return Optional.ofNullable(REFUSAL.get());
  }

  static ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder guarded =
        ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      guarded.addMethod(guard(method));
    }
    return guarded.build();
  }

  private static <Q, R> ServerMethodDefinition<InputStream, R> guard(
      ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> real = method.getMethodDescriptor();
    MethodDescriptor<InputStream, R> unparsed =
        real.toBuilder(UNPARSED, real.getResponseMarshaller()).build();
    String type = requestType(real);
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(
        unparsed,
        (call, headers) -> {
          GuardedCall<Q, R> guardedCall = new GuardedCall<>(call, real);
          return new Listener<>(handler.startCall(guardedCall, headers), guardedCall, type);
        });
  }

  private static String requestType(MethodDescriptor<?, ?> method) {
    if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto
        && proto.getMessagePrototype() instanceof Message message) {
      return message.getDescriptorForType().getFullName();
    }
    return "request of " + method.getFullMethodName();
  }

  /** The call as the handler sees it: its own method descriptor, descriptions bounded. */
  private static final class GuardedCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private boolean closed;

    @SuppressWarnings("unchecked")
    GuardedCall(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> method) {
      // Safe: no method of ServerCall takes or returns a request.
      super((ServerCall<Q, R>) (ServerCall<?, R>) call);
      this.method = method;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (closed) {
        return;
      }
      closed = true;
      String description = status.getDescription();
      if (description != null && description.length() > DESCRIPTION_LIMIT) {
        status = status.withDescription(AgentText.storable(description, DESCRIPTION_LIMIT) + "…");
      }
      super.close(status, trailers);
    }
  }

  private static final class Listener<Q, R> extends ServerCall.Listener<InputStream> {
    private final ServerCall.Listener<Q> handler;
    private final GuardedCall<Q, R> call;
    private final String type;
    private boolean refused;

    Listener(ServerCall.Listener<Q> handler, GuardedCall<Q, R> call, String type) {
      this.handler = handler;
      this.call = call;
      this.type = type;
    }

    @Override
    public void onMessage(InputStream message) {
      if (refused) {
        return;
      }
      Q request;
      try {
        request = call.getMethodDescriptor().parseRequest(message);
      } catch (RuntimeException e) {
        refuse(e);
        return;
      }
      handler.onMessage(request);
    }

    private void refuse(RuntimeException parseFailure) {
      refused = true;
      Status status =
          Status.INVALID_ARGUMENT.withDescription(
              "the message is not a valid " + type + ": " + reason(parseFailure));
      log.info(
          "event=agent_message_refused method={} reason={}",
          call.getMethodDescriptor().getFullMethodName(),
          status.getDescription());
      call.close(status, new Metadata());
      Context.current().withValue(REFUSAL, status).run(handler::onCancel);
    }

    private static String reason(RuntimeException parseFailure) {
      for (Throwable cause = parseFailure; cause != null; cause = cause.getCause()) {
        if (cause instanceof InvalidProtocolBufferException invalid) {
          return invalid.getMessage() != null && invalid.getMessage().contains("UTF-8")
              ? "a text field holds bytes that are not UTF-8"
              : "it is not protobuf of that type";
        }
      }
      return "it is not protobuf of that type";
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        handler.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!refused) {
        handler.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!refused) {
        handler.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        handler.onReady();
      }
    }
  }
}

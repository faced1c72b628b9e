package io.ctops.server.terminal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.ctops.protocol.internal.v1.HostMessage;
import io.ctops.protocol.internal.v1.ViewerAttach;
import io.ctops.protocol.internal.v1.ViewerMessage;
import io.ctops.protocol.internal.v1.ViewerResize;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * One browser tab's WebSocket, joined to the session's relay on the ingest instance that holds it.
 * The browser sends its keystrokes as binary frames and {@code {"resize": [cols, rows]}} or {@code
 * {"close": true}} as text; it gets the output as binary frames, and as text {@code {"status"}},
 * {@code {"replay"}} (base64: the screen so far, after a re-attach) and {@code {"closed":
 * {"exit_code", "reason"}}}.
 */
final class BrowserTerminal {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Relay messages (at most 32 KiB of output each) on their way to the browser at once. */
  static final int IN_FLIGHT = 8;

  /** Input bytes one message may carry; a longer paste is cut with a notice. */
  static final int MAX_INPUT = 1024 * 1024;

  private final WsContext browser;
  private final StreamObserver<ViewerMessage> relay;

  BrowserTerminal(
      WsContext browser,
      TerminalRelayStarter starter,
      UUID session,
      String token,
      int cols,
      int rows) {
    this.browser = browser;
    this.next =
        Callback.from(this::requestNext, error -> browser.closeSession(1011, "send failed"));
    this.relay =
        starter.start(
            new ClientResponseObserver<ViewerMessage, HostMessage>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ViewerMessage> call) {
                // a bounded window: each message the browser has taken asks for one more, so a
                // fast shell waits for a slow browser instead of filling memory here
                call.disableAutoRequestWithInitial(IN_FLIGHT);
                relayCall = call;
              }

              @Override
              public void onNext(HostMessage message) {
                toBrowser(message);
              }

              @Override
              public void onError(Throwable error) {
                text(status("the connection to the host's side was lost"));
                browser.closeSession(1011, "relay lost");
              }

              @Override
              public void onCompleted() {
                browser.closeSession(1000, "session ended");
              }
            });
    relay.onNext(
        ViewerMessage.newBuilder()
            .setAttach(
                ViewerAttach.newBuilder()
                    .setSessionId(session.toString())
                    .setToken(token)
                    .setCols(cols)
                    .setRows(rows))
            .build());
  }

  private volatile ClientCallStreamObserver<ViewerMessage> relayCall;

  /** Asks the relay for its next message once the browser has taken the last one. */
  private final Callback next;

  private void requestNext() {
    ClientCallStreamObserver<ViewerMessage> call = relayCall;
    if (call != null) {
      call.request(1);
    }
  }

  /** Opens the relay call with the observer of its answers. */
  @FunctionalInterface
  interface TerminalRelayStarter {
    StreamObserver<ViewerMessage> start(StreamObserver<HostMessage> answers);
  }

  private synchronized void toBrowser(HostMessage message) {
    try {
      switch (message.getPayloadCase()) {
        case OUTPUT -> {
          if (message.getReplay()) {
            ObjectNode replay = JSON.createObjectNode();
            replay.put(
                "replay", Base64.getEncoder().encodeToString(message.getOutput().toByteArray()));
            browser.session.sendText(replay.toString(), next);
          } else {
            browser.session.sendBinary(message.getOutput().asReadOnlyByteBuffer(), next);
          }
        }
        case STATUS -> browser.session.sendText(status(message.getStatus()).toString(), next);
        case CLOSED -> {
          ObjectNode closed = JSON.createObjectNode();
          closed
              .putObject("closed")
              .put("exit_code", message.getClosed().getExitCode())
              .put("reason", message.getClosed().getReason());
          browser.session.sendText(closed.toString(), next);
        }
        case PAYLOAD_NOT_SET -> requestNext();
      }
    } catch (RuntimeException e) {
      // the browser went away; its close handler ends the relay call
    }
  }

  private static ObjectNode status(String text) {
    return JSON.createObjectNode().put("status", text);
  }

  private void text(JsonNode message) {
    try {
      browser.send(message.toString());
    } catch (RuntimeException e) {
      // the browser went away
    }
  }

  void input(ByteBuffer bytes) {
    int size = bytes.remaining();
    if (size > MAX_INPUT) {
      bytes.limit(bytes.position() + MAX_INPUT);
      text(status("input over 1 MiB was cut to its first 1 MiB"));
    }
    relay.onNext(ViewerMessage.newBuilder().setInput(ByteString.copyFrom(bytes)).build());
  }

  void control(String text) {
    JsonNode message;
    try {
      message = JSON.readTree(text);
    } catch (Exception e) {
      text(status("ignored a message that is not JSON"));
      return;
    }
    if (message.has("resize") && message.get("resize").isArray()) {
      int cols = message.get("resize").path(0).asInt();
      int rows = message.get("resize").path(1).asInt();
      if (cols >= 1 && rows >= 1 && cols <= 1000 && rows <= 1000) {
        relay.onNext(
            ViewerMessage.newBuilder()
                .setResize(ViewerResize.newBuilder().setCols(cols).setRows(rows))
                .build());
      }
    } else if (message.path("close").asBoolean()) {
      relay.onNext(ViewerMessage.newBuilder().setClose(true).build());
    }
  }

  void ping() {
    try {
      browser.sendPing();
    } catch (RuntimeException e) {
      // the browser went away; its close handler cleans up
    }
  }

  /** The browser went away (closed tab, lost network): the session waits for it to come back. */
  void browserGone() {
    try {
      relay.onCompleted();
    } catch (RuntimeException alreadyEnded) {
      // nothing to tell
    }
  }
}

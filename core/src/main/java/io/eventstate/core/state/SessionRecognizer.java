package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.session.SessionEngine;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.session.SessionState;
import io.eventstate.core.session.SessionStep;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A session spec as a {@link Recognizer}. State-row cells: {@code sess.NAME} (the full {@link SessionState}),
 * {@code sess.NAME.id} (the current session id) and {@code sess.NAME.count} (sessions so far, an 8-byte long).
 */
final class SessionRecognizer extends NamedRecognizer<SessionState> {

  private final SessionSpec spec;
  private final String stateQualifier;
  private final String textQualifier;
  private final String countQualifier;

  SessionRecognizer(SessionSpec spec) {
    super(spec.name(), StateColumns.session(spec.name()), StateColumns.sessionId(spec.name()),
        StateColumns.sessionVersion(spec.name()), spec.version());
    this.spec = spec;
    this.stateQualifier = stateQualifier();
    this.textQualifier = textQualifier();
    this.countQualifier = StateColumns.sessionCount(spec.name());
  }

  @Override
  public SessionState initial() {
    return SessionState.initial();
  }

  @Override
  public SessionState fromStateRow(String row, Map<String, byte[]> cells, long watermarkNanos) {
    byte[] b = cells.get(stateQualifier);
    return b == null ? initial() : decode(row, "s:" + stateQualifier, b);
  }

  @Override
  public SessionState fromSnapshot(String row, byte[] snapshot) {
    return snapshot == null ? initial() : decode(row, "d:" + stateQualifier, snapshot);
  }

  @Override
  public Stepped<SessionState> step(SessionState state, CanonicalEvent event) {
    SessionStep st = SessionEngine.step(spec, state, event);
    String id = st.sessionId() != null ? st.sessionId() : st.state().sessionId();
    return new Stepped<>(st.state(), id, List.of());
  }

  @Override
  public byte[] snapshot(SessionState state) {
    return state.toBytes();
  }

  @Override
  public void stateCells(SessionState before, SessionState now, Map<String, byte[]> stored,
      BiConsumer<String, byte[]> out) {
    out.accept(stateQualifier, now.toBytes());
    if (!java.util.Objects.equals(now.sessionId(), before.sessionId()) || now.sessionCount() != before.sessionCount()
        || !stored.containsKey(textQualifier) || !stored.containsKey(countQualifier)) {
      out.accept(textQualifier, StateColumns.utf8(now.sessionId()));
      out.accept(countQualifier, StateColumns.longBytes(now.sessionCount()));
    }
    versionCell(out);
  }

  private SessionState decode(String row, String cell, byte[] b) {
    try {
      return SessionState.fromBytes(b);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(row + ": " + cell + " (sessions " + spec.name() + ") is unreadable: "
          + e.getMessage(), e);
    }
  }
}

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
final class SessionRecognizer implements Recognizer<SessionState> {

  private final SessionSpec spec;
  private final String stateQualifier;
  private final String textQualifier;
  private final String countQualifier;
  private final String versionQualifier;
  private final byte[] version;

  SessionRecognizer(SessionSpec spec) {
    this.spec = spec;
    this.stateQualifier = StateColumns.session(spec.name());
    this.textQualifier = StateColumns.sessionId(spec.name());
    this.countQualifier = StateColumns.sessionCount(spec.name());
    this.versionQualifier = StateColumns.sessionVersion(spec.name());
    this.version = StateColumns.utf8(spec.version());
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public String stateQualifier() {
    return stateQualifier;
  }

  @Override
  public String textQualifier() {
    return textQualifier;
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
    out.accept(versionQualifier, version); // written when the spec changed (or on the first write)
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

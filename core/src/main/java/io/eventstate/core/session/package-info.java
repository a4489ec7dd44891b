/**
 * Sessions, the built-in kind of state: {@link io.eventstate.core.session.SessionSpec} (gap, maximum length,
 * midnight and attribute splits), {@link io.eventstate.core.session.SessionEngine} (pure {@code step}, and
 * {@code insert} for late events, reporting which events changed session), {@link io.eventstate.core.session.SessionState}
 * (the value and its byte format).
 */
package io.eventstate.core.session;

package io.eventstate.core.state;

import java.util.function.BiConsumer;

/**
 * What every {@link Recognizer} has: its definition's name, the qualifiers of its full state and of its text, and the
 * version of its definition, recorded on the state row ({@link #versionCell}).
 *
 * @param <S> the recognizer's state
 */
abstract class NamedRecognizer<S> implements Recognizer<S> {

  private final String name;
  private final String stateQualifier;
  private final String textQualifier;
  private final String versionQualifier;
  private final byte[] version;

  NamedRecognizer(String name, String stateQualifier, String textQualifier, String versionQualifier, String version) {
    this.name = name;
    this.stateQualifier = stateQualifier;
    this.textQualifier = textQualifier;
    this.versionQualifier = versionQualifier;
    this.version = StateColumns.utf8(version);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String stateQualifier() {
    return stateQualifier;
  }

  @Override
  public final String textQualifier() {
    return textQualifier;
  }

  /** The definition's version cell: written when it differs from the stored one (a changed definition, a new row). */
  final void versionCell(BiConsumer<String, byte[]> out) {
    out.accept(versionQualifier, version);
  }
}

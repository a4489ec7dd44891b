/**
 * Declarative state machines: {@link io.eventstate.core.fsm.MachineDefinition} (the JSON format under
 * {@code conf/machines/}, validated at load), {@link io.eventstate.core.fsm.StateMachineEngine} (pure, stateless
 * {@code step}/{@code at}/{@code replay}/{@code recompute}), {@link io.eventstate.core.fsm.EntityState} (the state
 * value and its versioned byte format), {@link io.eventstate.core.fsm.MachineDiagrams} (DOT and Mermaid) and
 * {@code io.eventstate.core.state.DefinitionCatalog} (every definition of a directory). No Flume, no HBase, no clock.
 */
package io.eventstate.core.fsm;

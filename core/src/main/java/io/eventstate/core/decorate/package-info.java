/** Decoration of events from lookup files (pure: parsing, bounds, reload decisions); the Flume adapters live in the interceptors and sinks modules. */
package io.eventstate.core.decorate;

/** JMH benchmarks, run on demand (never in the test run). See the README's Performance section. */
package io.eventstate.bench;

/** JMH benchmarks, run on demand (never in the test run). See docs/performance.md. */
package io.eventstate.bench;

-- Eventstate events landed on HDFS by Flume's HDFS sink (conf/flume/eventstate.properties, sink hdfs) as Avro
-- files of conf/avro/event.avsc, one directory per entity type and event day (UTC):
--   /eventstate/events/entity_type=TYPE/dt=YYYY-MM-DD/events.NNN.avro
-- Run in Hive (beeline -f), then in impala-shell: INVALIDATE METADATA eventstate_landed;
-- LOCATION is resolved against fs.defaultFS; write hdfs://namenode:8020/eventstate/events to be explicit.
-- The landing is at least once: an event may be in its partition twice (the same event_id); the example queries
-- remove such copies (conf/impala/06..08). entity_type is the partition column, so it is not a column of the
-- files' rows here (Avro schema resolution skips the file's own entity_type field).

CREATE EXTERNAL TABLE IF NOT EXISTS eventstate_landed (
  event_id        STRING             COMMENT 'event id (configured field or hash of the raw body)',
  entity_id       STRING,
  event_type      STRING,
  event_time_ns   BIGINT             COMMENT 'event time, nanoseconds since the epoch (exact)',
  time_source     STRING             COMMENT 'event, header or arrival',
  attributes      MAP<STRING,STRING> COMMENT 'named values from the raw JSON, nested names flattened with dots',
  tags            ARRAY<STRING>,
  body            BINARY             COMMENT 'the raw event, verbatim',
  arrival_time_ms BIGINT             COMMENT 'when the normalizing interceptor saw the event, NULL when unknown'
)
COMMENT 'Eventstate events landed on HDFS (Avro), at least once; remove copies by event_id'
PARTITIONED BY (entity_type STRING, dt STRING)
STORED AS AVRO
LOCATION '/eventstate/events';

-- New partitions appear as Flume closes files: register them (Hive) before querying; Impala: RECOVER PARTITIONS.
MSCK REPAIR TABLE eventstate_landed;

-- The compacted copy: one Parquet partition per entity type and day, each event once (conf/impala/08-compact-day.sql).
CREATE EXTERNAL TABLE IF NOT EXISTS eventstate_compacted (
  event_id        STRING,
  entity_id       STRING,
  event_type      STRING,
  event_time_ns   BIGINT,
  time_source     STRING,
  attributes      MAP<STRING,STRING>,
  tags            ARRAY<STRING>,
  body            BINARY,
  arrival_time_ms BIGINT
)
COMMENT 'Eventstate events compacted per entity type and day into Parquet, each event_id once'
PARTITIONED BY (entity_type STRING, dt STRING)
STORED AS PARQUET
LOCATION '/eventstate/compacted';

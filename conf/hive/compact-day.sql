-- Compacts one day of the landed Avro files (conf/hive/landed.sql) into Parquet, each event_id once, one partition
-- per entity type. Run it in Hive (beeline -f) once the day's files are closed (the HDFS sink closes a day's files
-- 10 minutes after its last event), after MSCK REPAIR TABLE eventstate_landed; rerunning it rewrites the same
-- partitions with the same rows. Impala reads the result (REFRESH eventstate_compacted) but cannot write it:
-- Impala's INSERT does not write MAP or ARRAY columns. Change the day in both places.
SET hive.exec.dynamic.partition.mode=nonstrict;
INSERT OVERWRITE TABLE eventstate_compacted PARTITION (entity_type, dt)
SELECT event_id, entity_id, event_type, event_time_ns, time_source, attributes, tags, body, arrival_time_ms,
       entity_type, dt
FROM (SELECT l.*, row_number() OVER (PARTITION BY event_id ORDER BY arrival_time_ms) AS copy
      FROM eventstate_landed l
      WHERE dt = '2016-03-12') d
WHERE copy = 1 AND dt = '2016-03-12';

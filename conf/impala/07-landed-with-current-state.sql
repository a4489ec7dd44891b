-- The landed files joined with the current state in HBase: every package scan on HDFS (each event once), with
-- the state its package is in now. Bulk history from the files, live state from HBase.
SELECT l.entity_id,
       from_unixtime(l.event_time_ns DIV 1000000000) AS event_time_utc,
       l.event_type,
       s.package_state                               AS current_state
FROM (SELECT DISTINCT event_id, entity_type, entity_id, event_type, event_time_ns
      FROM eventstate_landed
      WHERE entity_type = 'package') l
JOIN eventstate_entity_state s
  ON s.entity_type = l.entity_type AND s.entity_id = l.entity_id
ORDER BY l.entity_id, l.event_time_ns, l.event_type;

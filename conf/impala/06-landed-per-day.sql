-- Events landed on HDFS per entity type and day, duplicates removed: the HDFS sink is at least once (a batch
-- written again after a failure, an agent killed mid-stream), so an event_id may be in its partition twice;
-- every copy carries the same event, so one per event_id is kept.
SELECT entity_type,
       dt,
       count(*)                  AS events,
       count(DISTINCT entity_id) AS entities
FROM (SELECT entity_type, dt, entity_id,
             row_number() OVER (PARTITION BY event_id ORDER BY arrival_time_ms) AS copy
      FROM eventstate_landed) l
WHERE copy = 1
GROUP BY entity_type, dt
ORDER BY entity_type, dt;

-- The state at the time of each event: the coprocessor stores the state each event led to on the event
-- row (d:m.NAME.state), so "before" is the previous event's "after".
SELECT entity_id,
       from_unixtime(time_ns DIV 1000000000) AS event_time_utc,
       event_type,
       LAG(package_state) OVER (PARTITION BY entity_type, entity_id ORDER BY time_ns) AS state_before,
       package_state AS state_after,
       late
FROM eventstate_event_rows
WHERE entity_type = 'package'
ORDER BY entity_id, time_ns;

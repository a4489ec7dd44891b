-- Events joined with the current state of their entity: every scan of every package, with the state the
-- package is in now. Row-key predicates (row_key >= / <) are pushed down to HBase; other filters are not.
SELECT e.entity_id,
       from_unixtime(e.time_ns DIV 1000000000) AS event_time_utc,
       e.event_type,
       e.package_state AS state_after_event,
       s.package_state AS current_state,
       s.events        AS events_applied
FROM eventstate_event_rows e
JOIN eventstate_entity_state s
  ON s.entity_type = e.entity_type AND s.entity_id = e.entity_id
WHERE e.entity_type = 'package'
ORDER BY e.entity_id, e.time_ns;

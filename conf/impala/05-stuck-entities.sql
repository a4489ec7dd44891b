-- Entities stuck in a state for longer than a given time: packages still in transit whose newest event is
-- more than 3 days old (the machine's own 7-day timeout marks them lost at their next event or at query
-- time). last_ns is the event time of the newest applied event.
SELECT entity_id,
       package_state,
       from_unixtime(last_ns DIV 1000000000)                          AS last_event_utc,
       round((unix_timestamp() - last_ns DIV 1000000000) / 86400.0, 1) AS days_since
FROM eventstate_entity_state
WHERE entity_type = 'package'
  AND package_state LIKE 'tracking/in_transit%'
  AND last_ns < (unix_timestamp() - 3 * 86400) * 1000000000
ORDER BY last_ns;

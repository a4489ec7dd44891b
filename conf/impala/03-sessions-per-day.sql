-- Sessions per day (UTC) with durations, from the sessions view (one row per session, computed from the
-- session id on every event).
SELECT to_date(from_unixtime(start_ns DIV 1000000000)) AS day_utc,
       session_kind,
       count(*)                                     AS sessions,
       count(DISTINCT entity_id)                    AS entities,
       sum(events)                                  AS events,
       avg((end_ns - start_ns) / 1000000000.0)      AS avg_duration_s,
       max((end_ns - start_ns) / 1000000000.0)      AS max_duration_s
FROM eventstate_sessions
GROUP BY to_date(from_unixtime(start_ns DIV 1000000000)), session_kind
ORDER BY day_utc, session_kind;

-- Run in impala-shell after creating or changing the tables in Hive (conf/hive/*.sql): Impala caches the
-- metastore, and HBase-backed tables are created in Hive, not in Impala.
INVALIDATE METADATA eventstate_events;
INVALIDATE METADATA eventstate_state;
-- Views need no refresh of their own once their tables are known:
-- eventstate_event_rows, eventstate_entity_state, eventstate_sessions.

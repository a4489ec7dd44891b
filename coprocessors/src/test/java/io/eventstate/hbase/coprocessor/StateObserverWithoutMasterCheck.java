package io.eventstate.hbase.coprocessor;

/**
 * The observer under a class name the master-side check does not recognize, so that a bad configuration reaches a
 * RegionServer (as it would without EntityStateMasterObserver): start() must not abort, writes must be refused.
 */
public class StateObserverWithoutMasterCheck extends EntityStateObserver {
}

package io.eventstate.hbase.coprocessor;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire protocol of the rebuild endpoint ({@link StateRebuildEndpoint}): one service, {@code eventstate.StateRebuild},
 * with one method, {@code Rebuild}, in the protobuf 2.5 API that HBase 2 endpoints use. The descriptors are built here
 * from their definition (no generated code, no protoc at build time); messages are {@link DynamicMessage}s, which HBase
 * serializes like any other.
 *
 * <pre>
 * message RebuildRequest {
 *   bytes from = 1;            // first row to look at (the region's start if before it)
 *   bytes to = 2;              // first row not to look at (empty: the table's end); the region's end bounds it too
 *   string machine = 3;        // only this machine's or session spec's cells
 *   string entity_type = 4;    // only entities of this type
 *   string entity_id = 5;      // only this entity (with entity_type)
 *   int64 lateness_nanos = 6;  // re-apply too-late events this far behind (-1: keep them flagged)
 *   bool verify_only = 7;      // compute and report, write nothing
 *   int64 budget_millis = 8;   // stop after the entity that exceeds this much time
 *   int32 samples = 9;         // entity keys kept per change
 * }
 * message RebuildResponse {
 *   bytes next = 1;            // where the next call starts (== the region's end or 'to' when done with the range)
 *   bool done = 2;             // 'to' (or the table's end) reached
 *   int64 entities = 3; int64 events = 4; int64 changed = 5; int64 written = 6; int64 deleted = 7;
 *   repeated string change = 8; // NAME \t FROM \t TO \t COUNT \t sample keys separated by spaces
 *   bytes region_end = 9;
 * }
 * </pre>
 */
public final class RebuildProtocol {

  private RebuildProtocol() {
  }

  static final Descriptor REQUEST;
  static final Descriptor RESPONSE;
  static final ServiceDescriptor SERVICE;
  /** The one method. */
  public static final MethodDescriptor REBUILD;

  static {
    FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("eventstate/rebuild.proto")
        .setPackage("eventstate")
        .addMessageType(DescriptorProto.newBuilder().setName("RebuildRequest")
            .addField(field("from", 1, FieldDescriptorProto.Type.TYPE_BYTES, false))
            .addField(field("to", 2, FieldDescriptorProto.Type.TYPE_BYTES, false))
            .addField(field("machine", 3, FieldDescriptorProto.Type.TYPE_STRING, false))
            .addField(field("entity_type", 4, FieldDescriptorProto.Type.TYPE_STRING, false))
            .addField(field("entity_id", 5, FieldDescriptorProto.Type.TYPE_STRING, false))
            .addField(field("lateness_nanos", 6, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("verify_only", 7, FieldDescriptorProto.Type.TYPE_BOOL, false))
            .addField(field("budget_millis", 8, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("samples", 9, FieldDescriptorProto.Type.TYPE_INT32, false)))
        .addMessageType(DescriptorProto.newBuilder().setName("RebuildResponse")
            .addField(field("next", 1, FieldDescriptorProto.Type.TYPE_BYTES, false))
            .addField(field("done", 2, FieldDescriptorProto.Type.TYPE_BOOL, false))
            .addField(field("entities", 3, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("events", 4, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("changed", 5, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("written", 6, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("deleted", 7, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("change", 8, FieldDescriptorProto.Type.TYPE_STRING, true))
            .addField(field("region_end", 9, FieldDescriptorProto.Type.TYPE_BYTES, false)))
        .addService(ServiceDescriptorProto.newBuilder().setName("StateRebuild")
            .addMethod(MethodDescriptorProto.newBuilder().setName("Rebuild")
                .setInputType(".eventstate.RebuildRequest").setOutputType(".eventstate.RebuildResponse")))
        .build();
    try {
      Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
      REQUEST = fd.findMessageTypeByName("RebuildRequest");
      RESPONSE = fd.findMessageTypeByName("RebuildResponse");
      SERVICE = fd.findServiceByName("StateRebuild");
      REBUILD = SERVICE.findMethodByName("Rebuild");
    } catch (Descriptors.DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type,
      boolean repeated) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
        .setLabel(repeated ? FieldDescriptorProto.Label.LABEL_REPEATED : FieldDescriptorProto.Label.LABEL_OPTIONAL)
        .build();
  }

  /** The options and the key range of one call. */
  public record Request(byte[] from, byte[] to, String machine, String entityType, String entityId,
      long latenessNanos, boolean verifyOnly, long budgetMillis, int samples) {

    public Message toMessage() {
      DynamicMessage.Builder b = DynamicMessage.newBuilder(REQUEST);
      set(b, REQUEST, "from", ByteString.copyFrom(from));
      set(b, REQUEST, "to", ByteString.copyFrom(to));
      set(b, REQUEST, "machine", machine == null ? "" : machine);
      set(b, REQUEST, "entity_type", entityType == null ? "" : entityType);
      set(b, REQUEST, "entity_id", entityId == null ? "" : entityId);
      set(b, REQUEST, "lateness_nanos", latenessNanos);
      set(b, REQUEST, "verify_only", verifyOnly);
      set(b, REQUEST, "budget_millis", budgetMillis);
      set(b, REQUEST, "samples", samples);
      return b.build();
    }

    static Request of(Message m) {
      return new Request(bytes(m, "from"), bytes(m, "to"), emptyAsNull(string(m, "machine")),
          emptyAsNull(string(m, "entity_type")), emptyAsNull(string(m, "entity_id")), (Long) get(m, "lateness_nanos"),
          (Boolean) get(m, "verify_only"), (Long) get(m, "budget_millis"), (Integer) get(m, "samples"));
    }
  }

  /**
   * How many entities changed, for one definition, from one state to another.
   *
   * @param samples the first few entities' state row keys
   */
  public record Change(String name, String from, String to, long count, List<String> samples) {
    String encode() {
      return name + '\t' + from + '\t' + to + '\t' + count + '\t' + String.join(" ", samples);
    }

    static Change decode(String s) {
      String[] p = s.split("\t", -1);
      return new Change(p[0], p[1], p[2], Long.parseLong(p[3]), p[4].isEmpty() ? List.of() : List.of(p[4].split(" ")));
    }

    /** {@code name: from -> to}. */
    public String key() {
      return name + ": " + from + " -> " + to;
    }
  }

  /** One call's answer. */
  public record Response(byte[] next, boolean done, long entities, long events, long changed, long written,
      long deleted, List<Change> changes, byte[] regionEnd) {

    public Message toMessage() {
      DynamicMessage.Builder b = DynamicMessage.newBuilder(RESPONSE);
      set(b, RESPONSE, "next", ByteString.copyFrom(next));
      set(b, RESPONSE, "done", done);
      set(b, RESPONSE, "entities", entities);
      set(b, RESPONSE, "events", events);
      set(b, RESPONSE, "changed", changed);
      set(b, RESPONSE, "written", written);
      set(b, RESPONSE, "deleted", deleted);
      set(b, RESPONSE, "region_end", ByteString.copyFrom(regionEnd));
      FieldDescriptor f = RESPONSE.findFieldByName("change");
      for (Change c : changes) {
        b.addRepeatedField(f, c.encode());
      }
      return b.build();
    }

    public static Response of(Message m) {
      List<Change> changes = new ArrayList<>();
      for (Object o : (List<?>) get(m, "change")) {
        changes.add(Change.decode((String) o));
      }
      return new Response(bytes(m, "next"), (Boolean) get(m, "done"), (Long) get(m, "entities"),
          (Long) get(m, "events"), (Long) get(m, "changed"), (Long) get(m, "written"), (Long) get(m, "deleted"),
          changes, bytes(m, "region_end"));
    }
  }

  /** Adds one entity's changes to a tally ({@code name: from -> to} → change), keeping {@code samples} keys each. */
  static void tally(Map<String, Change> into, Change c, int samples) {
    Change old = into.get(c.key());
    if (old == null) {
      into.put(c.key(), new Change(c.name(), c.from(), c.to(), c.count(),
          List.copyOf(c.samples().subList(0, Math.min(samples, c.samples().size())))));
      return;
    }
    List<String> keys = new ArrayList<>(old.samples());
    for (String k : c.samples()) {
      if (keys.size() < samples) {
        keys.add(k);
      }
    }
    into.put(c.key(), new Change(c.name(), c.from(), c.to(), old.count() + c.count(), List.copyOf(keys)));
  }

  /** A fresh tally, in first-seen order. */
  static Map<String, Change> tally() {
    return new LinkedHashMap<>();
  }

  public static Message requestPrototype() {
    return DynamicMessage.getDefaultInstance(REQUEST);
  }

  public static Message responsePrototype() {
    return DynamicMessage.getDefaultInstance(RESPONSE);
  }

  private static void set(DynamicMessage.Builder b, Descriptor d, String field, Object value) {
    b.setField(d.findFieldByName(field), value);
  }

  private static Object get(Message m, String field) {
    return m.getField(m.getDescriptorForType().findFieldByName(field));
  }

  private static byte[] bytes(Message m, String field) {
    return ((ByteString) get(m, field)).toByteArray();
  }

  private static String string(Message m, String field) {
    return (String) get(m, field);
  }

  private static String emptyAsNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}

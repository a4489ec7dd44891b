package io.eventstate.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.cli.QuerySchema;
import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.hadoop.hive.ql.lib.Node;
import org.apache.hadoop.hive.ql.parse.ASTNode;
import org.apache.hadoop.hive.ql.parse.ParseDriver;
import org.apache.hadoop.hive.ql.parse.ParseException;
import org.junit.jupiter.api.Test;

/**
 * Hive 3.1.3's own parser accepts every statement of conf/hive/*.sql (the DDL, the landed files' tables and the
 * compaction; {@code SET} is a command of the CLI, not SQL) and conf/impala/*.sql (the example queries;
 * {@code INVALIDATE METADATA} is Impala's own and skipped), and the parsed column mapping is the one the schema
 * defines. {@code HiveQueriesIT} runs them all in Hive itself.
 */
class HiveParseTest {

  private final ParseDriver parser = new ParseDriver();

  static List<String> statements(Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.strip().startsWith("--")) {
        sb.append(line).append('\n');
      }
    }
    List<String> out = new ArrayList<>();
    for (String s : sb.toString().split(";\\s*\\n")) {
      if (!s.isBlank()) {
        out.add(s.strip().replaceAll(";$", ""));
      }
    }
    return out;
  }

  private static List<Path> sql(String dir) throws IOException {
    try (Stream<Path> s = Files.list(Repo.conf().resolve(dir))) {
      return s.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
    }
  }

  @Test
  void hiveParsesEveryDdlStatement() throws IOException, ParseException {
    List<Path> files = sql("hive");
    assertEquals(5, files.size(), files.toString());
    int hbaseTables = 0;
    int landedTables = 0;
    int views = 0;
    int other = 0;
    for (Path f : files) {
      for (String stmt : statements(f)) {
        if (stmt.toUpperCase(java.util.Locale.ROOT).startsWith("SET ")) {
          continue; // a command of Hive's CLI and beeline, not of the SQL parser
        }
        ASTNode ast = parser.parse(stmt);
        String tree = ast.toStringTree().toLowerCase(java.util.Locale.ROOT);
        if (tree.contains("tok_createtable") && tree.contains("tok_storagehandler")) {
          hbaseTables++;
          assertTrue(tree.contains("hbasestoragehandler"), f + ": " + tree);
          assertTrue(tree.contains("hbase.columns.mapping"), f + ": " + tree);
        } else if (tree.contains("tok_createtable")) {
          landedTables++;
          assertTrue(tree.contains("tok_tablepartcols") && tree.contains("tok_tablelocation"), f + ": " + tree);
        } else if (tree.contains("tok_createview")) {
          views++;
        } else {
          assertTrue(tree.contains("tok_msck") || tree.contains("tok_insert"), f + ": " + tree);
          other++;
        }
      }
    }
    assertEquals(2, hbaseTables);
    assertEquals(2, landedTables);
    assertEquals(3, views);
    assertEquals(2, other);
  }

  @Test
  void theParsedMappingIsTheSchemasMapping() throws IOException, ParseException {
    QuerySchema q = new QuerySchema(TableSchema.defaults(), DefinitionCatalog.load(Repo.conf().resolve("machines")));
    for (QuerySchema.HiveTable t : List.of(q.eventsTable(), q.stateTable())) {
      String file = t.name().endsWith("_events") ? "events.sql" : "state.sql";
      ASTNode ast = parser.parse(statements(Repo.conf().resolve("hive").resolve(file)).get(0));
      List<String> columns = new ArrayList<>();
      List<String> literals = new ArrayList<>();
      walk(ast, columns, literals);
      assertEquals(t.columns().stream().map(QuerySchema.Column::name).toList(), columns, file);
      assertTrue(literals.contains("'" + t.columnsMapping() + "'"), file + ": " + literals);
      assertEquals(t.columns().size(), t.columnsMapping().split(",").length, "one mapping entry per column");
    }
  }

  private static void walk(Node n, List<String> columns, List<String> literals) {
    ASTNode a = (ASTNode) n;
    String text = a.getText() == null ? "" : a.getText();
    if (text.equalsIgnoreCase("TOK_TABCOL")) {
      columns.add(((ASTNode) a.getChild(0)).getText());
    }
    if (text.startsWith("'")) {
      literals.add(a.getText());
    }
    if (a.getChildren() != null) {
      for (Node c : a.getChildren()) {
        walk(c, columns, literals);
      }
    }
  }

  @Test
  void hiveParsesTheImpalaExampleQueries() throws IOException, ParseException {
    List<Path> files = sql("impala");
    assertTrue(files.size() >= 6, files.toString());
    int queries = 0;
    for (Path f : files) {
      for (String stmt : statements(f)) {
        if (stmt.toUpperCase(java.util.Locale.ROOT).startsWith("INVALIDATE METADATA")) {
          continue;
        }
        ASTNode ast = parser.parse(stmt);
        assertTrue(ast.toStringTree().toLowerCase(java.util.Locale.ROOT).contains("tok_query"), f + ": " + ast.toStringTree());
        queries++;
      }
    }
    assertEquals(7, queries);
  }

  @Test
  void shouldRejectBrokenDdl() {
    // The parser is a real check: a typo in the storage clause fails.
    assertFalse(parses("CREATE EXTERNAL TABLE t (k STRING) STORED BI 'x'"));
    assertTrue(parses("CREATE EXTERNAL TABLE t (k STRING) STORED BY 'x'"));
  }

  private boolean parses(String s) {
    try {
      parser.parse(s);
      return true;
    } catch (ParseException e) {
      return false;
    }
  }
}

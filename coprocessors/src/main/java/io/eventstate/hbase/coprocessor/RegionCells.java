package io.eventstate.hbase.coprocessor;

import io.eventstate.core.state.RowCells;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.regionserver.Region;
import org.apache.hadoop.hbase.regionserver.RegionScanner;

/** Reading a region's cells in place: the coprocessors' one row scan and one {@link RowCells} over a cell list. */
final class RegionCells {

  private RegionCells() {
  }

  /** One row's cells; false stops the scan. */
  @FunctionalInterface
  interface RowVisitor {
    boolean visit(List<Cell> cells) throws IOException;
  }

  /** Hands each row's cells to {@code row} until it returns false or the scan ends. */
  static void forEachRow(Region region, Scan scan, RowVisitor row) throws IOException {
    try (RegionScanner scanner = region.getScanner(scan)) {
      List<Cell> cells = new ArrayList<>();
      boolean more;
      do {
        cells.clear();
        more = scanner.next(cells);
        if (!cells.isEmpty() && !row.visit(cells)) {
          return;
        }
      } while (more);
    }
  }

  /** The cells of one row's family (a Put's or a scan's), read in place. */
  record InPlace(List<Cell> cells) implements RowCells {
    @Override
    public int size() {
      return cells.size();
    }

    @Override
    public byte[] qualifierArray(int i) {
      return cells.get(i).getQualifierArray();
    }

    @Override
    public int qualifierOffset(int i) {
      return cells.get(i).getQualifierOffset();
    }

    @Override
    public int qualifierLength(int i) {
      return cells.get(i).getQualifierLength();
    }

    @Override
    public byte[] valueArray(int i) {
      return cells.get(i).getValueArray();
    }

    @Override
    public int valueOffset(int i) {
      return cells.get(i).getValueOffset();
    }

    @Override
    public int valueLength(int i) {
      return cells.get(i).getValueLength();
    }
  }
}

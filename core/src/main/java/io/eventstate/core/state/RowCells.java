package io.eventstate.core.state;

/**
 * The cells of one row's family as slices of byte arrays, as HBase hands them to a coprocessor (and
 * {@link io.eventstate.core.rowkey.EventRowCodec.CellValue}s hold them): read in place, nothing copied.
 */
public interface RowCells {

  /** Cells held as {@link io.eventstate.core.rowkey.EventRowCodec.CellValue}s (family not looked at). */
  static RowCells of(java.util.List<io.eventstate.core.rowkey.EventRowCodec.CellValue> cells) {
    return new RowCells() {
      @Override
      public int size() {
        return cells.size();
      }

      @Override
      public byte[] qualifierArray(int i) {
        return cells.get(i).qualifier();
      }

      @Override
      public int qualifierOffset(int i) {
        return 0;
      }

      @Override
      public int qualifierLength(int i) {
        return cells.get(i).qualifier().length;
      }

      @Override
      public byte[] valueArray(int i) {
        return cells.get(i).value();
      }

      @Override
      public int valueOffset(int i) {
        return 0;
      }

      @Override
      public int valueLength(int i) {
        return cells.get(i).value().length;
      }
    };
  }

  /** Number of cells. */
  int size();

  byte[] qualifierArray(int i);

  int qualifierOffset(int i);

  int qualifierLength(int i);

  byte[] valueArray(int i);

  int valueOffset(int i);

  int valueLength(int i);
}

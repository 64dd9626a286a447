//! Tables of sequences and measurements: TSV or CSV with a header row, columns chosen by name.

use super::{RecordLocation, SequenceError, validate};

/// Which columns of a table to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableSpec {
    /// Column holding record ids; rows are named `row<N>` without one.
    pub id_column: Option<String>,
    /// Sequence columns: one, or two for a promoter + distal-partner model.
    pub sequence_columns: Vec<String>,
    /// Numeric columns (targets); empty cells, `NA` and `NaN` read as NaN for the caller to judge.
    pub target_columns: Vec<String>,
    /// Further columns kept as text (a split or group column, say).
    pub text_columns: Vec<String>,
    /// Field delimiter; `None` picks tab when the header line has one, else comma.
    pub delimiter: Option<u8>,
}

/// One row of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    /// 1-based line in the input.
    pub line: usize,
    pub id: String,
    /// One per [`TableSpec::sequence_columns`], validated.
    pub sequences: Vec<Vec<u8>>,
    /// One per [`TableSpec::target_columns`].
    pub targets: Vec<f64>,
    /// One per [`TableSpec::text_columns`].
    pub texts: Vec<String>,
}

/// One row's outcome: the row, or what was wrong with it.
pub type RowResult = Result<TableRow, SequenceError>;

/// A parsed table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Every column name of the header, in order.
    pub header: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// Parses a table with a header row; the first bad row is an error.
pub fn parse(input: &[u8], spec: &TableSpec) -> Result<Table, SequenceError> {
    if spec.sequence_columns.is_empty() {
        return Err(SequenceError::TableHeader("no sequence column was named".into()));
    }
    let (header, rows) = parse_rows(input, spec)?;
    let rows = rows.into_iter().collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Err(SequenceError::TableHeader("the table has a header but no rows".into()));
    }
    Ok(Table { header, rows })
}

/// Parses a table with a header row, giving each row's own outcome so a caller can skip bad
/// rows and count them. Errors in the header, or a line the CSV reader cannot split, stop it.
/// A table of targets alone (no sequence column named) is read too.
pub fn parse_rows(input: &[u8], spec: &TableSpec) -> Result<(Vec<String>, Vec<RowResult>), SequenceError> {
    let mut reader = TableReader::new(input, spec)?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        rows.push(row);
    }
    Ok((reader.header, rows))
}

/// A table read row by row, for inputs too large to hold: the header is read and its columns
/// found when it opens; [`TableReader::next_row`] gives each row's own outcome, as
/// [`parse_rows`] does for a whole table.
pub struct TableReader<R: std::io::Read> {
    reader: csv::Reader<R>,
    /// Every column name of the header, in order.
    pub header: Vec<String>,
    columns: Columns,
    record: csv::StringRecord,
    rows: usize,
}

impl<R: std::io::BufRead> TableReader<R> {
    /// Reads the header of `input` (its delimiter, when the spec names none, from the first line).
    pub fn new(mut input: R, spec: &TableSpec) -> Result<Self, SequenceError> {
        let delimiter = match spec.delimiter {
            Some(d) => d,
            None => sniff_delimiter(input.fill_buf().map_err(|e| SequenceError::TableHeader(e.to_string()))?),
        };
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).flexible(false).from_reader(input);
        let header: Vec<String> =
            reader.headers().map_err(|e| csv_error(e, 1))?.iter().map(|h| h.trim().to_string()).collect();
        if header.iter().all(String::is_empty) {
            return Err(SequenceError::TableHeader("the table is empty: no header row".into()));
        }
        let columns = Columns::find(&header, spec)?;
        Ok(TableReader { reader, header, columns, record: csv::StringRecord::new(), rows: 0 })
    }

    /// The next row's outcome, `None` at the end; a line the CSV reader cannot split is an error.
    pub fn next_row(&mut self) -> Result<Option<RowResult>, SequenceError> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(csv_error(e, self.rows + 2)),
            }
            if self.record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            self.rows += 1;
            let line = self.record.position().map_or(self.rows + 1, |p| p.line() as usize);
            return Ok(Some(self.columns.row(&self.header, &self.record, self.rows, line)));
        }
    }
}

/// Indices of the columns a [`TableSpec`] names.
struct Columns {
    id: Option<usize>,
    sequences: Vec<usize>,
    targets: Vec<usize>,
    texts: Vec<usize>,
}

impl Columns {
    fn find(header: &[String], spec: &TableSpec) -> Result<Self, SequenceError> {
        let find = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                SequenceError::TableHeader(format!("no column named '{name}'; the header has: {}", header.join(", ")))
            })
        };
        let find_all = |names: &[String]| names.iter().map(|n| find(n)).collect::<Result<Vec<_>, _>>();
        Ok(Self {
            id: spec.id_column.as_deref().map(find).transpose()?,
            sequences: find_all(&spec.sequence_columns)?,
            targets: find_all(&spec.target_columns)?,
            texts: find_all(&spec.text_columns)?,
        })
    }

    fn row(
        &self,
        header: &[String],
        record: &csv::StringRecord,
        index: usize,
        line: usize,
    ) -> Result<TableRow, SequenceError> {
        let id = match self.id {
            Some(i) => record[i].trim().to_string(),
            None => format!("row{index}"),
        };
        let at = || RecordLocation { index, name: id.clone(), line };
        let mut sequences = Vec::with_capacity(self.sequences.len());
        for &i in &self.sequences {
            let sequence = record[i].trim().as_bytes().to_vec();
            if sequence.is_empty() {
                return Err(SequenceError::Table { line, message: format!("column '{}' is empty", header[i]) });
            }
            validate(&sequence, at)?;
            sequences.push(sequence);
        }
        let targets = self
            .targets
            .iter()
            .map(|&i| {
                parse_number(&record[i]).ok_or_else(|| SequenceError::Table {
                    line,
                    message: format!("column '{}': '{}' is not a number", header[i], record[i].trim()),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let texts = self.texts.iter().map(|&i| record[i].trim().to_string()).collect();
        Ok(TableRow { line, id, sequences, targets, texts })
    }
}

fn sniff_delimiter(input: &[u8]) -> u8 {
    let first_line = input.split(|&b| b == b'\n').next().unwrap_or_default();
    if first_line.contains(&b'\t') { b'\t' } else { b',' }
}

/// Missing values read as NaN so the caller can count or reject them with their row.
fn parse_number(field: &str) -> Option<f64> {
    let field = field.trim();
    match field {
        "" | "NA" | "na" | "NaN" | "nan" => Some(f64::NAN),
        _ => field.parse::<f64>().ok(),
    }
}

fn csv_error(e: csv::Error, fallback_line: usize) -> SequenceError {
    let line = e.position().map_or(fallback_line, |p| p.line() as usize);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields, but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    SequenceError::Table { line, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableSpec {
        TableSpec {
            id_column: Some("id".into()),
            sequence_columns: vec!["seq".into()],
            target_columns: vec!["y".into()],
            ..Default::default()
        }
    }

    #[test]
    fn reads_tsv_and_csv_by_column_name() {
        let tsv = parse(b"y\tid\tseq\n1.5\ta\tACGT\n-2\tb\tggcc\n", &spec()).unwrap();
        let csv = parse(b"y,id,seq\n1.5,a,ACGT\n-2,b,ggcc\n", &spec()).unwrap();
        assert_eq!(tsv, csv);
        assert_eq!(tsv.rows[1].id, "b");
        assert_eq!(tsv.rows[1].sequences[0], b"ggcc");
        assert_eq!(tsv.rows[1].targets, vec![-2.0]);
        assert_eq!(tsv.rows[1].line, 3);
    }

    #[test]
    fn parse_rows_keeps_going_past_a_bad_row() {
        let (header, rows) = parse_rows(b"id,seq,y\na,AC,1\nb,AXC,2\nc,GG,x\nd,TT,4\n", &spec()).unwrap();
        assert_eq!(header, vec!["id", "seq", "y"]);
        let ok: Vec<&str> = rows.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.id.as_str()).collect();
        assert_eq!(ok, vec!["a", "d"]);
        assert_eq!(rows[2].as_ref().unwrap_err().to_string(), "line 4: column 'y': 'x' is not a number");
    }

    #[test]
    fn missing_values_read_as_nan() {
        let t = parse(b"id,seq,y\na,AC,NA\n", &spec()).unwrap();
        assert!(t.rows[0].targets[0].is_nan());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse(b"id,seq,y\na,AC,1\nb,AC,high\n", &spec()).unwrap_err();
        assert_eq!(e.to_string(), "line 3: column 'y': 'high' is not a number");
        let e = parse(b"id,seq,y\na,AC,1\nb,AC\n", &spec()).unwrap_err();
        assert_eq!(e.to_string(), "line 3: 2 fields, but the header has 3");
        let e = parse(b"id,sequence,y\na,AC,1\n", &spec()).unwrap_err();
        assert_eq!(e.to_string(), "no column named 'seq'; the header has: id, sequence, y");
        let e = parse(b"id,seq,y\na,AC,1\nb,AKC,2\n", &spec()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 2 'b' (line 3): position 2: IUPAC ambiguity code 'K' is not supported (only A, C, G, T and N)"
        );
    }
}

//! Regions of a genome: `--region chrom:start-end` (1-based, inclusive, as samtools and tabix
//! write them) and `--regions FILE.bed` (BED: 0-based, end exclusive), merged per chromosome.
//!
//! A VCF record is in a region when its POS is: a deletion that starts before a region and
//! reaches into it is not, so regions that tile a genome give every record to exactly one of them.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// How a `--region` is written.
const REGION_FORM: &str =
    "write chrom, chrom:start-end or chrom:start- (1-based, inclusive), e.g. chr22:20000001-20100000";
/// What a BED line holds.
const BED_FORM: &str = "a BED line is chrom, start and end, tab-separated, start 0-based and end exclusive";

/// Regions by chromosome: sorted, merged, 1-based inclusive intervals; chromosomes in the order
/// they were first named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regions {
    chroms: Vec<String>,
    intervals: BTreeMap<String, Vec<(u64, u64)>>,
}

/// The last position a region can reach (tabix indexes up to 2^29 − 1, CSI further).
pub const END: u64 = u64::MAX / 2;

impl Regions {
    /// Adds `[start, end]` (1-based, inclusive) on `chrom`.
    pub fn add(&mut self, chrom: &str, start: u64, end: u64) {
        let list = self.intervals.entry(chrom.to_string()).or_insert_with(|| {
            self.chroms.push(chrom.to_string());
            Vec::new()
        });
        list.push((start, end));
        list.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(list.len());
        for &(s, e) in list.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *list = merged;
    }

    pub fn is_empty(&self) -> bool {
        self.chroms.is_empty()
    }

    /// Whether a record at 1-based `pos` on `chrom` is in a region.
    pub fn contains(&self, chrom: &str, pos: u64) -> bool {
        self.intervals.get(chrom).is_some_and(|list| {
            let i = list.partition_point(|&(_, e)| e < pos);
            list.get(i).is_some_and(|&(s, _)| s <= pos)
        })
    }

    /// The chromosomes named, in the order first named.
    pub fn chroms(&self) -> &[String] {
        &self.chroms
    }

    /// The merged intervals of `chrom` (1-based, inclusive), in order.
    pub fn intervals(&self, chrom: &str) -> &[(u64, u64)] {
        self.intervals.get(chrom).map_or(&[], Vec::as_slice)
    }

    /// Adds a `--region` as the user wrote it.
    pub fn add_region(&mut self, text: &str) -> Result<(), String> {
        let (chrom, start, end) = parse_region(text)?;
        self.add(&chrom, start, end);
        Ok(())
    }

    /// Adds every region of a BED file (plain or compressed); `#`, `track` and `browser` lines
    /// and blank lines are skipped.
    pub fn add_bed(&mut self, path: &Path) -> Result<(), String> {
        let reader = crate::io::open_text(path)?;
        let mut added = 0;
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| format!("{}, line {}: {e}", path.display(), i + 1))?;
            let at = |field: Option<(usize, &str)>| match field {
                Some((n, name)) => format!("{}, line {}, field {n} ({name})", path.display(), i + 1),
                None => format!("{}, line {}", path.display(), i + 1),
            };
            let text = line.trim_end_matches('\r');
            if text.trim().is_empty()
                || text.starts_with('#')
                || text.starts_with("track")
                || text.starts_with("browser")
            {
                continue;
            }
            let fields: Vec<&str> = text.split('\t').collect();
            if fields.len() < 3 {
                let spaces = if text.contains(' ') { " (spaces do not separate BED fields; tabs do)" } else { "" };
                return Err(format!(
                    "{}: {} field{}{spaces}; {BED_FORM}",
                    at(None),
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" }
                ));
            }
            if fields[0].is_empty() {
                return Err(format!("{}: the chromosome is empty; {BED_FORM}", at(Some((1, "chrom")))));
            }
            let number = |n: usize, name: &str| -> Result<u64, String> {
                fields[n - 1].trim().parse::<u64>().map_err(|_| {
                    format!("{}: '{}' is not a whole number; {BED_FORM}", at(Some((n, name))), fields[n - 1])
                })
            };
            let (start, end) = (number(2, "start")?, number(3, "end")?);
            if end <= start {
                return Err(format!(
                    "{}: the end {end} is not after the start {start}; BED intervals are 0-based and half-open, so the end must be greater than the start",
                    at(Some((3, "end")))
                ));
            }
            // 0-based half-open [start, end) is 1-based inclusive [start + 1, end].
            self.add(fields[0], start + 1, end);
            added += 1;
        }
        if added == 0 {
            return Err(format!(
                "{}: no regions (only comments, track lines or blank lines); {BED_FORM}",
                path.display()
            ));
        }
        Ok(())
    }

    /// The regions as text, for messages: `chr1:1-100, chr2` (a whole chromosome by its name).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for c in &self.chroms {
            for &(s, e) in self.intervals(c) {
                parts.push(if s == 1 && e == END {
                    c.clone()
                } else {
                    format!("{c}:{s}-{}", if e == END { String::new() } else { e.to_string() })
                });
            }
        }
        parts.join(", ")
    }
}

/// Parses `chrom`, `chrom:start-end` or `chrom:start-` (1-based, inclusive; commas allowed in
/// numbers). The range follows the last `:`, so a chromosome whose name holds colons
/// (`HLA-A*01:01:01:01`) is written with one: `HLA-A*01:01:01:01:1-`.
pub fn parse_region(text: &str) -> Result<(String, u64, u64), String> {
    let bad = |why: String| format!("--region '{text}': {why}; {REGION_FORM}");
    if text.trim().is_empty() {
        return Err(bad("the region is empty".into()));
    }
    if text.trim() != text {
        return Err(bad("it has spaces around it".into()));
    }
    let Some((chrom, range)) = text
        .rsplit_once(':')
        .filter(|(_, r)| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '-'))
    else {
        if let Some((chrom, range)) = text.rsplit_once(':')
            && range.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(bad(format!("'{range}' after '{chrom}:' is not start-end")));
        }
        return Ok((text.to_string(), 1, END));
    };
    if chrom.is_empty() {
        return Err(bad("the chromosome is empty".into()));
    }
    let (start, end) = match range.split_once('-') {
        Some((s, e)) => (s, Some(e)),
        None => (range, None),
    };
    let number = |what: &str, s: &str| -> Result<u64, String> {
        s.replace(',', "").parse::<u64>().map_err(|_| bad(format!("the {what} '{s}' is not a whole number")))
    };
    let start = number("start", start)?;
    if start == 0 {
        return Err(bad("positions are 1-based; the first base is 1".into()));
    }
    let end = match end {
        None if range.ends_with('-') => END,
        None => return Err(bad(format!("'{range}' has a start but no end (chrom:start- reads to the end)"))),
        Some("") => END,
        Some(e) => number("end", e)?,
    };
    if end < start {
        return Err(bad(format!("the end {end} is before the start {start}")));
    }
    Ok((chrom.to_string(), start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_in_the_forms_people_write() {
        assert_eq!(parse_region("chr22:20,000,001-20,100,000").unwrap(), ("chr22".into(), 20_000_001, 20_100_000));
        assert_eq!(parse_region("chr22").unwrap(), ("chr22".into(), 1, END));
        assert_eq!(parse_region("chr22:5-").unwrap(), ("chr22".into(), 5, END));
        // A name with colons is written with a range.
        assert_eq!(parse_region("HLA-A*01:01:01:01:1-").unwrap(), ("HLA-A*01:01:01:01".into(), 1, END));
        assert_eq!(parse_region("22:20095001-20115000:1-10").unwrap(), ("22:20095001-20115000".into(), 1, 10));
    }

    #[test]
    fn a_bad_region_says_what_to_write() {
        let e = |t: &str| parse_region(t).unwrap_err();
        let form = "write chrom, chrom:start-end or chrom:start- (1-based, inclusive), e.g. chr22:20000001-20100000";
        assert_eq!(e("chr1:10-5"), format!("--region 'chr1:10-5': the end 5 is before the start 10; {form}"));
        assert_eq!(e("chr1:0-5"), format!("--region 'chr1:0-5': positions are 1-based; the first base is 1; {form}"));
        assert_eq!(e(""), format!("--region '': the region is empty; {form}"));
        assert_eq!(e(":1-5"), format!("--region ':1-5': the chromosome is empty; {form}"));
        assert_eq!(e("chr1:1x-5"), format!("--region 'chr1:1x-5': '1x-5' after 'chr1:' is not start-end; {form}"));
        assert_eq!(
            e("chr1:100"),
            format!("--region 'chr1:100': '100' has a start but no end (chrom:start- reads to the end); {form}")
        );
        assert_eq!(e("chr1:5--6"), format!("--region 'chr1:5--6': the end '-6' is not a whole number; {form}"));
    }

    #[test]
    fn regions_merge_and_hold_positions() {
        let mut r = Regions::default();
        r.add("c2", 10, 20);
        r.add("c1", 1, 5);
        r.add("c2", 21, 30);
        r.add("c2", 50, 60);
        r.add("c2", 15, 25);
        assert_eq!(r.chroms(), ["c2", "c1"]);
        assert_eq!(r.intervals("c2"), [(10, 30), (50, 60)]);
        assert!(r.contains("c2", 10) && r.contains("c2", 30) && r.contains("c2", 55));
        assert!(!r.contains("c2", 9) && !r.contains("c2", 31) && !r.contains("c2", 61) && !r.contains("c3", 1));
        assert_eq!(r.describe(), "c2:10-30, c2:50-60, c1:1-5");
    }

    #[test]
    fn bed_lines_are_checked_with_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bed");
        let read = |text: &str| {
            std::fs::write(&path, text).unwrap();
            let mut r = Regions::default();
            r.add_bed(&path).map(|_| r)
        };
        let p = path.display();
        let r = read("track name=x\n# a comment\nchr1\t0\t100\tname\n\nchr1\t99\t200\n").unwrap();
        assert_eq!(r.intervals("chr1"), [(1, 200)]);
        let form = "a BED line is chrom, start and end, tab-separated, start 0-based and end exclusive";
        assert_eq!(
            read("chr1\tx\t5\n").unwrap_err(),
            format!("{p}, line 1, field 2 (start): 'x' is not a whole number; {form}")
        );
        assert_eq!(
            read("chr1\t1\t5\nchr1\t5\t-1\n").unwrap_err(),
            format!("{p}, line 2, field 3 (end): '-1' is not a whole number; {form}")
        );
        assert_eq!(
            read("chr1\t5\t5\n").unwrap_err(),
            format!(
                "{p}, line 1, field 3 (end): the end 5 is not after the start 5; BED intervals are 0-based and half-open, so the end must be greater than the start"
            )
        );
        assert_eq!(
            read("chr1 1 5\n").unwrap_err(),
            format!("{p}, line 1: 1 field (spaces do not separate BED fields; tabs do); {form}")
        );
        assert_eq!(
            read("\tchr1\t5\n").unwrap_err(),
            format!("{p}, line 1, field 1 (chrom): the chromosome is empty; {form}")
        );
        assert_eq!(
            read("# nothing\n").unwrap_err(),
            format!("{p}: no regions (only comments, track lines or blank lines); {form}")
        );
    }
}

//! A VCF cut into shards for a workflow engine, and the annotated shards put back together:
//! `regula-train vcf-shards` lists regions (one per chromosome, fixed-size, or of a number of
//! records) that each hold at least one record, in the VCF's order; `score-variants --region` scores one; `merge-vcf`
//! concatenates the annotated shards, in the same order, into one bgzipped, indexed VCF — the
//! records of one unsharded run, in its order (the VCF being sorted, which sharding checks).

use std::path::{Path, PathBuf};

use crate::io::Stop;
use crate::vcf_io::{VcfInput, VcfOutput};

/// One shard: chromosome and a 0-based, half-open interval (a BED line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
}

impl Shard {
    /// As `--region` takes it: 1-based, inclusive.
    pub fn region(&self) -> String {
        format!("{}:{}-{}", self.chrom, self.start + 1, self.end)
    }
}

/// How a VCF is cut into shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardBy {
    /// Per chromosome, the stretch from its first record to its last.
    Chromosome,
    /// The `n`-base cells `[k·n, (k+1)·n)` of each chromosome that hold a record's POS.
    Bases(u64),
    /// Runs of at most `n` records of one chromosome (more only where more than `n` records
    /// share one POS, which are never cut apart): shards of equal work, so that `cores` shards
    /// at a time finish together.
    Records(u64),
}

/// The shards of the VCF at `path`, cut `by`, in the VCF's order; a VCF that is not sorted by
/// chromosome (each in one block) and position is refused, as its shards could not be put back
/// in its order.
pub fn shards(path: &Path, by: ShardBy) -> Result<Vec<Shard>, String> {
    match by {
        ShardBy::Bases(0) => return Err("--size 0: a shard must hold at least 1 base".into()),
        ShardBy::Records(0) => return Err("--records 0: a shard must hold at least 1 record".into()),
        _ => {}
    }
    let mut in_shard = 0u64; // records in the last shard
    let mut input = VcfInput::open(path, None)?;
    let mut out: Vec<Shard> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    let mut last: Option<(String, u64, usize)> = None;
    while let Some(record) = input.next_record()? {
        let chrom = record.chrom().to_string();
        let Some(pos) = record.pos() else {
            return Err(format!(
                "{}, line {}: POS '{}' is not a position; fix the line (a VCF's second field is the 1-based position)",
                path.display(),
                record.line,
                record.text.split('\t').nth(1).unwrap_or_default()
            ));
        };
        let unsorted = |why: String| {
            format!(
                "{}, line {}: {why}; the VCF is not sorted, so its shards could not be put back in its order: sort it first (bcftools sort)",
                path.display(),
                record.line
            )
        };
        match &last {
            Some((c, p, line)) if *c == chrom && pos < *p => {
                return Err(unsorted(format!("{chrom}:{pos} comes after {c}:{p} (line {line})")));
            }
            Some((c, _, _)) if *c != chrom => {
                if done.contains(&chrom) {
                    return Err(unsorted(format!("chromosome {chrom} comes again after {c}")));
                }
                done.push(c.clone());
            }
            _ => {}
        }
        let same_pos = matches!(&last, Some((c, p, _)) if *c == chrom && *p == pos);
        last = Some((chrom.clone(), pos, record.line));
        let (start, end) = match by {
            ShardBy::Bases(n) => (((pos - 1) / n) * n, ((pos - 1) / n + 1) * n),
            ShardBy::Chromosome | ShardBy::Records(_) => (pos - 1, pos),
        };
        match (out.last_mut(), by) {
            (Some(s), ShardBy::Chromosome) if s.chrom == chrom => s.end = pos,
            (Some(s), ShardBy::Bases(_)) if s.chrom == chrom && s.start == start => {}
            (Some(s), ShardBy::Records(n)) if s.chrom == chrom && (in_shard < n || same_pos) => {
                s.end = pos;
                in_shard += 1;
            }
            _ => {
                out.push(Shard { chrom, start, end });
                in_shard = 1;
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{}: no variants (only header or blank lines)", path.display()));
    }
    Ok(out)
}

/// The shards as BED text.
pub fn bed(shards: &[Shard]) -> String {
    shards.iter().map(|s| format!("{}\t{}\t{}\n", s.chrom, s.start, s.end)).collect()
}

/// Concatenates annotated VCFs (`shards`, in order; identical headers) into `out` (bgzipped and
/// indexed when it ends in `.gz` or `.bgz`), written as `score-variants` writes. Returns the
/// records written and a warning when no index could be built.
pub fn merge(shards: &[PathBuf], out: &Path) -> Result<(usize, Option<String>), Stop> {
    let first = shards.first().ok_or("merge-vcf needs at least one shard")?;
    let header = VcfInput::open(first, None)?.header;
    let mut writer = VcfOutput::create(Some(out), &header, first)?;
    for path in shards {
        let mut input = VcfInput::open(path, None)?;
        if input.header != header {
            let at = input
                .header
                .iter()
                .zip(&header)
                .position(|(a, b)| a != b)
                .unwrap_or(header.len().min(input.header.len()));
            let (found, want) = (input.header.get(at), header.get(at));
            return Err(format!(
                "{}: its header differs from that of {} at header line {} ({} instead of {}); shards of one run have the same header: were they scored with the same model and options?",
                path.display(),
                first.display(),
                at + 1,
                found.map_or("nothing".to_string(), |l| format!("'{l}'")),
                want.map_or("nothing".to_string(), |l| format!("'{l}'")),
            )
            .into());
        }
        while let Some(record) = input.next_record()? {
            writer.write_record(&record.text)?;
        }
    }
    let records = writer.records();
    let warning = writer.finish()?;
    Ok((records, warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vcf(dir: &Path, body: &str) -> PathBuf {
        let p = dir.join("v.vcf");
        std::fs::write(&p, format!("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n{body}")).unwrap();
        p
    }

    #[test]
    fn shards_follow_the_vcf_and_hold_records() {
        let dir = tempfile::tempdir().unwrap();
        let p = vcf(
            dir.path(),
            "c2\t5\t.\tA\tG\nc2\t1500\t.\tA\tG\nc2\t3001\t.\tA\tG\nc1\t999\t.\tA\tG\nc1\t1000\t.\tA\tG\n",
        );
        let regions = |by| shards(&p, by).unwrap().iter().map(Shard::region).collect::<Vec<String>>();
        assert_eq!(regions(ShardBy::Bases(1000)), ["c2:1-1000", "c2:1001-2000", "c2:3001-4000", "c1:1-1000"]);
        assert_eq!(regions(ShardBy::Chromosome), ["c2:5-3001", "c1:999-1000"]);
        assert_eq!(bed(&shards(&p, ShardBy::Chromosome).unwrap()), "c2\t4\t3001\nc1\t998\t1000\n");
        // two records a shard, a new one at each chromosome
        assert_eq!(regions(ShardBy::Records(2)), ["c2:5-1500", "c2:3001-3001", "c1:999-1000"]);
        assert_eq!(
            regions(ShardBy::Records(1)),
            ["c2:5-5", "c2:1500-1500", "c2:3001-3001", "c1:999-999", "c1:1000-1000"]
        );
    }

    #[test]
    fn records_at_one_position_stay_in_one_shard() {
        let dir = tempfile::tempdir().unwrap();
        let p =
            vcf(dir.path(), "c1\t10\t.\tA\tG\nc1\t10\t.\tA\tT\nc1\t10\t.\tA\tC\nc1\t12\t.\tA\tG\nc1\t13\t.\tA\tG\n");
        let regions: Vec<String> = shards(&p, ShardBy::Records(2)).unwrap().iter().map(Shard::region).collect();
        assert_eq!(regions, ["c1:10-10", "c1:12-13"]);
    }

    #[test]
    fn an_unsorted_vcf_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let tail =
            "the VCF is not sorted, so its shards could not be put back in its order: sort it first (bcftools sort)";
        let p = vcf(dir.path(), "c1\t50\t.\tA\tG\nc1\t40\t.\tA\tG\n");
        assert_eq!(
            shards(&p, ShardBy::Chromosome).unwrap_err(),
            format!("{}, line 4: c1:40 comes after c1:50 (line 3); {tail}", p.display())
        );
        let p = vcf(dir.path(), "c1\t50\t.\tA\tG\nc2\t40\t.\tA\tG\nc1\t60\t.\tA\tG\n");
        assert_eq!(
            shards(&p, ShardBy::Chromosome).unwrap_err(),
            format!("{}, line 5: chromosome c1 comes again after c2; {tail}", p.display())
        );
        assert_eq!(shards(&p, ShardBy::Bases(0)).unwrap_err(), "--size 0: a shard must hold at least 1 base");
        assert_eq!(shards(&p, ShardBy::Records(0)).unwrap_err(), "--records 0: a shard must hold at least 1 record");
    }
}

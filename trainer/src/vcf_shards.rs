//! A VCF cut into shards for a workflow engine, and the annotated shards put back together:
//! `regula-train vcf-shards` lists regions (one per chromosome, fixed-size, or of a number of
//! records) that each hold at least one record, in the VCF's order; `score-variants --region` scores one; `merge-vcf`
//! concatenates the annotated shards, in the same order, into one bgzipped, indexed VCF — the
//! records of one unsharded run, in its order (the VCF being sorted, which sharding checks).

use std::path::{Path, PathBuf};

use crate::bgzf_blocks::BlockReader;
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
    /// at a time finish together; with `taper` above 1 the last of them is cut into `taper`
    /// smaller ones (see [`taper`]), for jobs run in the shards' order.
    Records { records: u64, taper: usize },
}

/// Cuts the last shard's records (their positions, in order) into `pieces` runs of halving size
/// (½, ¼, …, the last two equal), never between records at one position. Jobs started in the
/// shards' order then finish nearly together: whichever core frees first takes the next, smaller
/// piece, so the cores wait at most about the smallest piece for the last one, not a whole shard
/// (shards of equal records are not of equal work: a record whose window holds an unknown base
/// costs almost nothing).
fn taper(last: &Shard, positions: &[u64], pieces: usize) -> Vec<Shard> {
    let m = positions.len();
    let mut cuts = Vec::new(); // record index where each piece after the first starts
    let mut at = 0;
    for k in 1..pieces {
        // piece k-1 holds m / 2^k records (the last piece what is left: as much as the one before)
        at += (m >> k).max(1);
        while at < m && positions[at] == positions[at - 1] {
            at += 1;
        }
        if at >= m {
            break;
        }
        cuts.push(at); // `at` only grows: each cut is past the one before
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = last.start;
    for &cut in &cuts {
        out.push(Shard { chrom: last.chrom.clone(), start, end: positions[cut - 1] });
        start = positions[cut] - 1;
    }
    out.push(Shard { chrom: last.chrom.clone(), start, end: last.end });
    out
}

/// The shards of the VCF at `path`, cut `by`, in the VCF's order; a VCF that is not sorted by
/// chromosome (each in one block) and position is refused, as its shards could not be put back
/// in its order.
pub fn shards(path: &Path, by: ShardBy) -> Result<Vec<Shard>, String> {
    match by {
        ShardBy::Bases(0) => return Err("--size 0: a shard must hold at least 1 base".into()),
        ShardBy::Records { records: 0, .. } => return Err("--records 0: a shard must hold at least 1 record".into()),
        _ => {}
    }
    let mut input = VcfInput::open(path, None)?;
    let mut out: Vec<Shard> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    let mut last: Option<(String, u64, usize)> = None;
    // Positions of the last shard's records: every one for ShardBy::Records (which counts them and
    // tapers by them), only the first for the other ways of cutting.
    let mut in_last_shard: Vec<u64> = Vec::new();
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
            ShardBy::Chromosome | ShardBy::Records { .. } => (pos - 1, pos),
        };
        match (out.last_mut(), by) {
            (Some(s), ShardBy::Chromosome) if s.chrom == chrom => s.end = pos,
            (Some(s), ShardBy::Bases(_)) if s.chrom == chrom && s.start == start => {}
            (Some(s), ShardBy::Records { records, .. })
                if s.chrom == chrom && ((in_last_shard.len() as u64) < records || same_pos) =>
            {
                s.end = pos;
                in_last_shard.push(pos);
            }
            _ => {
                out.push(Shard { chrom, start, end });
                in_last_shard.clear();
                in_last_shard.push(pos);
            }
        }
    }
    let Some(last_shard) = out.pop() else {
        return Err(format!("{}: no variants (only header or blank lines)", path.display()));
    };
    match by {
        ShardBy::Records { taper: pieces, .. } if pieces > 1 => out.extend(taper(&last_shard, &in_last_shard, pieces)),
        _ => out.push(last_shard),
    }
    Ok(out)
}

/// The shards as BED text.
pub fn bed(shards: &[Shard]) -> String {
    shards.iter().map(|s| format!("{}\t{}\t{}\n", s.chrom, s.start, s.end)).collect()
}

/// Concatenates annotated VCFs (`shards`, in order; identical headers) into `out` (bgzipped and
/// indexed when it ends in `.gz` or `.bgz`), written as `score-variants` writes. Into a bgzipped
/// `out`, the records of bgzipped shards are copied as the compressed blocks they are in (as
/// `score-variants` writes them, every block after the header's), not decompressed and compressed
/// again; only the index is built by reading them. Returns the records written and a warning when
/// no index could be built.
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
        if writer.copies_blocks() && input.bgzf() {
            drop(input);
            let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let mut blocks = BlockReader::new(std::io::BufReader::with_capacity(1 << 16, file), path);
            writer.append_bgzf(&mut blocks, path)?;
            continue;
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
        assert_eq!(regions(ShardBy::Records { records: 2, taper: 1 }), ["c2:5-1500", "c2:3001-3001", "c1:999-1000"]);
        assert_eq!(
            regions(ShardBy::Records { records: 1, taper: 1 }),
            ["c2:5-5", "c2:1500-1500", "c2:3001-3001", "c1:999-999", "c1:1000-1000"]
        );
    }

    #[test]
    fn records_at_one_position_stay_in_one_shard() {
        let dir = tempfile::tempdir().unwrap();
        let p =
            vcf(dir.path(), "c1\t10\t.\tA\tG\nc1\t10\t.\tA\tT\nc1\t10\t.\tA\tC\nc1\t12\t.\tA\tG\nc1\t13\t.\tA\tG\n");
        let regions: Vec<String> =
            shards(&p, ShardBy::Records { records: 2, taper: 1 }).unwrap().iter().map(Shard::region).collect();
        assert_eq!(regions, ["c1:10-10", "c1:12-13"]);
    }

    #[test]
    fn the_last_shard_is_cut_into_halving_pieces() {
        let dir = tempfile::tempdir().unwrap();
        // 24 records on c1 (positions 1..=23, two at 9), then 16 on c2 (10, 20, …, 160)
        let mut body = String::new();
        for pos in 1..=23 {
            body += &format!("c1\t{pos}\t.\tA\tG\n");
            if pos == 9 {
                body += "c1\t9\t.\tA\tT\n";
            }
        }
        for k in 1..=16 {
            body += &format!("c2\t{}\t.\tA\tG\n", 10 * k);
        }
        let p = vcf(dir.path(), &body);
        let regions = |records, taper| {
            shards(&p, ShardBy::Records { records, taper }).unwrap().iter().map(Shard::region).collect::<Vec<_>>()
        };
        assert_eq!(regions(16, 1), ["c1:1-15", "c1:16-23", "c2:10-160"]);
        // only the VCF's last shard (16 records) is cut: 8, 4, 2, 2
        assert_eq!(regions(16, 4), ["c1:1-15", "c1:16-23", "c2:10-80", "c2:90-120", "c2:130-140", "c2:150-160"]);
        // 2 pieces: half and half
        assert_eq!(regions(16, 2), ["c1:1-15", "c1:16-23", "c2:10-80", "c2:90-160"]);
        // more pieces than records: one record each, no empty shard
        let n = regions(2, 8).len();
        assert_eq!(regions(2, 8)[n - 3..], ["c2:130-140", "c2:150-150", "c2:160-160"]);

        // a cut never parts records at one position: half of 8 records ends inside position 4
        let p = vcf(
            dir.path(),
            "c1\t1\t.\tA\tG\nc1\t2\t.\tA\tG\nc1\t3\t.\tA\tG\nc1\t4\t.\tA\tG\nc1\t4\t.\tA\tT\nc1\t5\t.\tA\tG\nc1\t6\t.\tA\tG\nc1\t7\t.\tA\tG\n",
        );
        let regions: Vec<String> =
            shards(&p, ShardBy::Records { records: 100, taper: 2 }).unwrap().iter().map(Shard::region).collect();
        assert_eq!(regions, ["c1:1-4", "c1:5-7"]);
    }

    const HEADER: &str =
        "##fileformat=VCFv4.2\n##contig=<ID=c1>\n##contig=<ID=c2>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO";

    /// `n` records from `first` on (every 7th base of c1, then of c2 past 5,000 records), with an
    /// INFO long enough that a shard fills several BGZF blocks.
    fn records(first: usize, n: usize) -> Vec<String> {
        (first..first + n)
            .map(|i| {
                let (chrom, pos) = if i < 5000 { ("c1", 1 + 7 * i) } else { ("c2", 1 + 7 * (i - 5000)) };
                format!(
                    "{chrom}\t{pos}\tv{i}\tA\tG\t.\t.\tscore_ref={:.6};score_alt={:.6}",
                    i as f64 / 7.0,
                    i as f64 / 3.0
                )
            })
            .collect()
    }

    /// A shard as `score-variants` writes it (bgzipped, indexed).
    fn written(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
        let path = dir.join(name);
        let header: Vec<String> = HEADER.lines().map(String::from).collect();
        let mut out = VcfOutput::create(Some(&path), &header, &path).unwrap();
        for l in lines {
            out.write_record(l).unwrap();
        }
        assert_eq!(out.finish().unwrap(), None);
        path
    }

    /// The data records of a VCF, read whole.
    fn read_records(path: &Path) -> Vec<String> {
        let mut input = VcfInput::open(path, None).unwrap();
        std::iter::from_fn(|| input.next_record().unwrap()).map(|r| r.text).collect()
    }

    /// The records of `path` that its index returns for `region`.
    fn query(path: &Path, region: &str) -> Vec<String> {
        let mut regions = crate::regions::Regions::default();
        regions.add_region(region).unwrap();
        let mut input = VcfInput::open(path, Some(regions)).unwrap();
        assert!(input.indexed(), "{} is read through its index", path.display());
        std::iter::from_fn(|| input.next_record().unwrap()).map(|r| r.text).collect()
    }

    /// Each BGZF block of `path`: its bytes and its data.
    fn blocks(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut reader = BlockReader::new(std::fs::File::open(path).unwrap(), path);
        let mut block = crate::bgzf_blocks::Block::default();
        let mut out = Vec::new();
        while reader.next_block(&mut block).unwrap() {
            out.push((block.raw.clone(), block.data.clone()));
        }
        out
    }

    fn in_region(lines: &[String], chrom: &str, start: u64, end: u64) -> Vec<String> {
        lines
            .iter()
            .filter(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                f[0] == chrom && (start..=end).contains(&f[1].parse::<u64>().unwrap())
            })
            .cloned()
            .collect()
    }

    #[test]
    fn merged_shards_are_their_blocks_copied_and_the_index_answers_regions() {
        let dir = tempfile::tempdir().unwrap();
        let all = records(0, 9000);
        // Shards of unequal size; the third runs from c1 into c2.
        let cuts = [0, 1500, 4000, 6500, 9000];
        let shards: Vec<PathBuf> = cuts
            .windows(2)
            .enumerate()
            .map(|(i, w)| written(dir.path(), &format!("s{i}.vcf.gz"), &all[w[0]..w[1]]))
            .collect();
        let merged = dir.path().join("m.vcf.gz");
        assert_eq!(merge(&shards, &merged).unwrap(), (9000, None));
        assert_eq!(read_records(&merged), all);
        let header: Vec<String> = VcfInput::open(&merged, None).unwrap().header;
        assert_eq!(header.join("\n"), HEADER);

        // Every block of every shard but its header's and its end-of-file marker is in the
        // merged file as it is, in order; the file ends with one end-of-file marker.
        let out = blocks(&merged);
        let copied: Vec<Vec<u8>> = shards
            .iter()
            .flat_map(|s| {
                let b = blocks(s);
                assert!(
                    b[0].1.starts_with(b"##fileformat") && b[0].1.ends_with(b"INFO\n"),
                    "the header is a block of its own"
                );
                b[1..b.len() - 1].iter().map(|(raw, _)| raw.clone()).collect::<Vec<_>>()
            })
            .collect();
        assert!(copied.len() >= 8, "{} blocks", copied.len());
        assert_eq!(out[1..out.len() - 1].iter().map(|(raw, _)| raw.clone()).collect::<Vec<_>>(), copied);
        assert_eq!(out.iter().filter(|(_, data)| data.is_empty()).count(), 1);
        assert!(out.last().unwrap().1.is_empty());

        // Regions inside one shard, across shards, across chromosomes, at the edges.
        for (chrom, start, end) in [
            ("c1", 1, 1),
            ("c1", 10_000, 10_600),
            ("c1", 10_480, 28_100),
            ("c1", 34_000, 40_000),
            ("c2", 1, 8),
            ("c2", 9_000, 30_000),
            ("c2", 27_994, 27_994),
        ] {
            let want = in_region(&all, chrom, start, end);
            assert!(!want.is_empty(), "{chrom}:{start}-{end}");
            assert_eq!(query(&merged, &format!("{chrom}:{start}-{end}")), want, "{chrom}:{start}-{end}");
        }
    }

    #[test]
    fn shards_of_other_layouts_merge_to_the_same_records() {
        let dir = tempfile::tempdir().unwrap();
        let all = records(0, 4000);
        let bgzipped = |name: &str, parts: &[&str]| {
            let path = dir.path().join(name);
            let mut w = noodles_bgzf::io::Writer::new(std::fs::File::create(&path).unwrap());
            for part in parts {
                std::io::Write::write_all(&mut w, part.as_bytes()).unwrap();
                std::io::Write::flush(&mut w).unwrap();
            }
            w.finish().unwrap();
            path
        };
        // As score-variants writes it.
        let a = written(dir.path(), "a.vcf.gz", &all[..1000]);
        // The header in the records' first block, lines running across blocks, a blank line, a
        // comment and CRLF line ends among the records.
        let mut body = format!("{HEADER}\r\n");
        for (i, l) in all[1000..2000].iter().enumerate() {
            body += l;
            body += if i % 3 == 0 { "\r\n" } else { "\n" };
            if i == 500 {
                body += "\n#a comment\n   \n";
            }
        }
        let b = bgzipped("b.vcf.gz", &[&body]);
        // The header a block of its own, then records over two blocks, the second (which a
        // record runs into) with a comment, the last record without a line end.
        let d = bgzipped(
            "d.vcf.gz",
            &[
                &format!("{HEADER}\n"),
                &format!("{}\n#late comment\n{}", all[2000..3150].join("\n"), all[3150..3200].join("\n")),
            ],
        );
        assert!(blocks(&d).len() >= 4, "header, two blocks of records, end of file");
        let c = dir.path().join("c.vcf");
        std::fs::write(&c, format!("{HEADER}\n{}\n", all[3200..].join("\n"))).unwrap();
        let merged = dir.path().join("m.vcf.gz");
        assert_eq!(merge(&[a, b.clone(), d, c.clone()], &merged).unwrap(), (4000, None));
        assert_eq!(read_records(&merged), all);
        for (start, end) in [(6990, 7100), (13000, 14500), (20000, 21100), (27900, 28000)] {
            assert_eq!(query(&merged, &format!("c1:{start}-{end}")), in_region(&all, "c1", start, end));
        }
        // And into a plain VCF.
        let plain = dir.path().join("m.vcf");
        assert_eq!(merge(&[b, c], &plain).unwrap(), (1800, None));
        assert_eq!(read_records(&plain), [&all[1000..2000], &all[3200..]].concat());
    }

    #[test]
    fn a_damaged_shard_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = written(dir.path(), "a.vcf.gz", &records(0, 100));
        let bytes = std::fs::read(&a).unwrap();
        let cut = dir.path().join("cut.vcf.gz");
        std::fs::write(&cut, &bytes[..bytes.len() - 28]).unwrap();
        let merged = dir.path().join("m.vcf.gz");
        let Err(Stop::Failed(e)) = merge(&[a, cut.clone()], &merged) else { panic!("refused") };
        assert_eq!(
            e,
            format!(
                "{}: the file ends without the BGZF end-of-file block, so it may be cut short: write it again",
                cut.display()
            )
        );
        assert!(!merged.exists());
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
        assert_eq!(
            shards(&p, ShardBy::Records { records: 0, taper: 1 }).unwrap_err(),
            "--records 0: a shard must hold at least 1 record"
        );
    }
}

#!/usr/bin/env python3
"""Writes the compressed test inputs beside this script from the plain slices here (standard
library only; rerunning gives byte-identical files):

- hg19_chr22_20095001_20115000.fa.bgz (+ .fai, .gzi): the 20 kb slice, BGZF-compressed in
  4,096-byte blocks (so a region read crosses blocks), with its samtools-style FASTA index and
  bgzip index.
- hg19_chr22_20000001_20002400.fa.gz: the 2.4 kb slice, plain gzip (one member, mtime 0).
- variants_hg19_chr22_20095001_20115000.vcf.gz: 12 SNVs on the 20 kb slice (every 1,500th
  base from 20,096,000, REF read from the slice, ALT the next base of ACGT), plain gzip.
- variants_mixed_hg19_chr22_20095001_20115000.vcf.gz: 164 records of every kind the annotated
  VCF handles, sorted, BGZF in 4,096-byte blocks without an index (see mixed_vcf).
"""
import gzip
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def bgzf_block(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = c.compress(data) + c.flush()
    bsize = len(deflated) + 25  # header 18 + deflated + crc 4 + isize 4 - 1
    header = struct.pack("<BBBBIBBHBBHH", 0x1F, 0x8B, 8, 4, 0, 0, 0xFF, 6, ord("B"), ord("C"), 2, bsize)
    return header + deflated + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data))


def write_bgzf(src: str, dst: str, block: int = 4096) -> None:
    data = open(src, "rb").read()
    out, gzi, compressed = [], [], 0
    for start in range(0, len(data), block):
        if start:
            gzi.append((compressed, start))
        b = bgzf_block(data[start : start + block])
        out.append(b)
        compressed += len(b)
    out.append(bgzf_block(b""))  # the EOF marker block
    open(dst, "wb").write(b"".join(out))
    with open(dst + ".gzi", "wb") as f:
        f.write(struct.pack("<Q", len(gzi)))
        for c, u in gzi:
            f.write(struct.pack("<QQ", c, u))


def fai(src: str) -> str:
    lines, offset, rows, name = open(src, "rb").read().split(b"\n"), 0, [], None
    for line in lines:
        if line.startswith(b">"):
            name, length, seq_offset, width = line[1:].split()[0].decode(), 0, offset + len(line) + 1, None
            rows.append([name, 0, seq_offset, 0, 0])
        elif line:
            if rows[-1][3] == 0:
                rows[-1][3], rows[-1][4] = len(line), len(line) + 1
            rows[-1][1] += len(line)
        offset += len(line) + 1
    return "".join("\t".join(map(str, r)) + "\n" for r in rows)


def gzip_to(src_bytes: bytes, dst: str) -> None:
    with open(dst, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(src_bytes)


def main() -> None:
    big = os.path.join(HERE, "hg19_chr22_20095001_20115000.fa")
    write_bgzf(big, big + ".bgz")
    open(big + ".bgz.fai", "w").write(fai(big))
    small = os.path.join(HERE, "hg19_chr22_20000001_20002400.fa")
    gzip_to(open(small, "rb").read(), small + ".gz")
    seq = "".join(l.strip() for l in open(big) if not l.startswith(">")).upper()
    rows = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for i, pos in enumerate(range(20_096_000, 20_114_000, 1500)):
        ref = seq[pos - 20_095_001]
        alt = "ACGT"[("ACGT".index(ref) + 1) % 4]
        rows.append(f"chr22\t{pos}\tv{i + 1}\t{ref}\t{alt}\t.\tPASS\t.")
    gzip_to(("\n".join(rows) + "\n").encode(), os.path.join(HERE, "variants_hg19_chr22_20095001_20115000.vcf.gz"))
    mixed = os.path.join(HERE, "variants_mixed_hg19_chr22_20095001_20115000.vcf")
    open(mixed, "w").write(mixed_vcf(seq))
    write_bgzf(mixed, mixed + ".gz")
    os.remove(mixed + ".gz.gzi")
    os.remove(mixed)


def mixed_vcf(seq: str) -> str:
    """Records every 131 bases of the slice from 20,095,050 (too near its start to be scored), and
    one at 20,114,960 (too near its end), with a sample column and other INFO: mostly SNVs (ALT the next
    base of ACGT); every 10th two ALT alleles; every 17th a 2-base deletion; every 19th a 2-base
    insertion; every 23rd a REF that does not match; every 29th a symbolic ALT beside a literal
    one; every 13th followed by a second record at the same position. Not observed variants."""
    first = 20_095_001
    nxt = lambda b: "ACGT"[("ACGT".index(b) + 1) % 4]
    rows = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr22,length=51304566>",
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Read depth (made up)">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
    ]
    for i, pos in enumerate([*range(20_095_050, 20_114_900, 131), 20_114_960]):
        ref = seq[pos - first]
        alt = nxt(ref)
        if i % 29 == 0 and i:
            alt = f"<DEL>,{nxt(alt)}"
        elif i % 23 == 0 and i:
            ref = nxt(nxt(ref))
            alt = nxt(ref)
        elif i % 19 == 0 and i:
            alt = ref + "GA"
        elif i % 17 == 0 and i:
            ref = seq[pos - first : pos - first + 3]
            alt = ref[0]
        elif i % 10 == 0 and i:
            alt = f"{alt},{nxt(alt)}"
        rows.append(f"chr22\t{pos}\tm{i + 1}\t{ref}\t{alt}\t50\tPASS\tDP={10 + i % 7}\tGT\t0/1")
        if i % 13 == 0 and i:
            rows.append(f"chr22\t{pos}\tm{i + 1}b\t{seq[pos - first]}\t{nxt(nxt(seq[pos - first]))}\t50\tPASS\t.\tGT\t1/1")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()

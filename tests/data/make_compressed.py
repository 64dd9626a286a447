#!/usr/bin/env python3
"""Writes the compressed test inputs beside this script from the plain slices here (standard
library only; rerunning gives byte-identical files):

- hg19_chr22_20095001_20115000.fa.bgz (+ .fai, .gzi): the 20 kb slice, BGZF-compressed in
  4,096-byte blocks (so a region read crosses blocks), with its samtools-style FASTA index and
  bgzip index.
- hg19_chr22_20000001_20002400.fa.gz: the 2.4 kb slice, plain gzip (one member, mtime 0).
- variants_hg19_chr22_20095001_20115000.vcf.gz: 12 SNVs on the 20 kb slice (every 1,500th
  base from 20,096,000, REF read from the slice, ALT the next base of ACGT), plain gzip.
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


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Renders BENCHMARKS.md from the raw results `just bench` wrote (bench/results/*.json).

    python3 bench/render.py bench/results > BENCHMARKS.md

Every number in the output comes from those files; a part that has not been run says so.
"""
import glob
import math
import json
import re
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cagi5"))
from zero_shot import CONFIDENT, in_hepg2  # noqa: E402


def load(results, name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None


def fmt(x, digits=1):
    return "—" if x is None else f"{x:,.{digits}f}"


def ms_list(runs):
    return ", ".join(f"{r:,.0f}" if r >= 100 else f"{r:,.1f}" for r in runs)


def verdict(met, value, target, lower_is_better=True, unit=""):
    if met:
        return "met"
    if value is None:
        return "not measured"
    factor = value / target if lower_is_better else target / value
    return f"**missed** ({fmt(value, 2)}{unit} vs {fmt(target, 2)}{unit}: {factor:.2f}× off)"


def main(results):
    out = []
    w = out.append
    browser = load(results, "browser.json")
    training = load(results, "training.json")
    variants = load(results, "variants.json")
    variants_1m = load(results, "variants_1m.json")
    # the workflow at two sizes: 1,000,000 variants (workflow.json) and 100,000 (workflow-100k.json)
    workflows = [r for r in (load(results, "workflow.json"), load(results, "workflow-100k.json")) if r]
    workflow = workflows[0] if workflows else None
    ism = load(results, "ism-native.json")
    genome = load(results, "browser-genome.json")
    # each joint HepG2 + WTC11 model against the single-task ones (bench/joint/compare.py):
    # lentimpra-joint (joint.json), lentimpra-joint-fast (joint-fast.json), the mean of two of the
    # latter (joint-fast-ensemble.json)
    joints = [(name, j) for name in JOINTS if (j := load(results, f"{name}.json"))]
    package = load(results, "package.json")
    references = sorted(glob.glob(os.path.join(results, "reference-*.json")))
    seed_files = sorted(glob.glob(os.path.join(results, "seeds-*.json")))
    machine = load(results, "machine.json") or {}
    models_dir = os.path.join(os.path.dirname(os.path.abspath(results)), "..", "models")
    w("# Benchmarks")
    w("")
    w("Regula against the tools a user would otherwise pick, measured by `just bench` (`bench/run.sh`) on one")
    w("machine; raw numbers in `bench/results/*.json`, rendered by `bench/render.py`. Benchmarks are not tests:")
    w("CI does not run them. Re-run one part with `just bench PART` (browser, training, reference, variants, workflow, ism, package,")
    w("browser-genome); the million-variant run is `just bench-variants-1m`.")
    w("")
    parts = f" ({', '.join(machine['parts'])})" if machine.get("parts") else ""
    w(f"- Machine of the last `just bench`{parts}: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('memory_gib', '?')} GiB, {machine.get('os', '?')}; load average {', '.join(f'{x:.1f}' for x in machine.get('load_average') or [])} when it started ({machine.get('date')}).")
    w("  Parts ran on different days, not all on this host (2-core Intel Xeon or AMD EPYC machines): compare the runtimes")
    w("  within a part, which measures both in one run on one machine.")
    dates = [f"{part} {d}" for part, d in [("browser", (browser or {}).get("environment", {}).get("date")), ("training", (training or {}).get("date")),
                                          ("variants", (variants or {}).get("date")), ("variants-1m", (variants_1m or {}).get("date")), ("workflow", (workflow or {}).get("date")),
                                          ("ism", (ism or {}).get("date")), ("package", (package or {}).get("date")),
                                          ("browser-genome", (genome or {}).get("environment", {}).get("date"))] + [(os.path.basename(p)[10:-5], json.load(open(p)).get("environment", {}).get("date")) for p in references] if d]
    if dates:
        w(f"- When each part ran: {'; '.join(dates)}.")
    gpu = load(results, "gpu-check.json")
    if gpu:
        w(f"- CUDA: `just gpu-check` ran ({gpu.get('date', '?')}); its results are in `bench/results/gpu-check.json`.")
    else:
        w("- CUDA: could not be run — no GPU machine was lent to this task (the device tool's status: `can_start_another`")
        w("  false, not drawn). `--device cuda` is built and its error without a CUDA-enabled ONNX Runtime is tested;")
        w("  `just gpu-check` (`bench/training/gpu_check.sh`: CPU vs CUDA losses of legnet after 50 steps, ORT CUDA vs")
        w("  PyTorch CUDA throughput) is ready and still to be run on a GPU machine.")
    w("")

    # ---- summary of targets
    w("## Targets")
    w("")
    w("| what | measured | target | verdict |")
    w("|---|---|---|---|")
    if browser:
        t = browser["targets"]
        for row in browser.get("throughput", []):
            if "ratio" in row:
                w(f"| in-browser inference, {row['model']}: Regula ÷ onnxruntime-web | {row['ratio']:.2f}× | ≥ {t['throughputRatio']}× | {verdict(row['met'], row['ratio'], t['throughputRatio'], False, '×')} |")
            else:
                w(f"| in-browser inference, {row['model']} | not run: {row.get('regulaSkipped')} | ≥ {t['throughputRatio']}× | not measured |")
        # a model's scan measured again in the later run of `--only ism` (browser-ism-models.json) counts
        later = load(results, "browser-ism-models.json") or {}
        later_date = later.get("environment", {}).get("date", "")
        newer = {r["model"]: r for r in later.get("ism", []) if "fast" in r and later_date > browser["environment"]["date"]}
        for row in browser.get("ism", []):
            if "fast" not in row:
                continue
            when = ""
            if row["model"] in newer:
                row, when = newer[row["model"]], f" (run of {later_date[:10]})"
            fast, sp = row["fast"]["medianMs"], row.get("speedup")
            ok_ms, ok_sp = row["met"]["fastMs"], row["met"]["speedup"]
            w(f"| ISM {row['length']} bp ({row['model']}): time{when} | {fast:,.0f} ms | ≤ {t['ismMs']:,} ms | {verdict(ok_ms, fast, t['ismMs'], True, ' ms')} |")
            w(f"| ISM {row['length']} bp ({row['model']}): vs naive onnxruntime-web{when} | {sp:.1f}× | ≥ {t['ismSpeedup']}× | {verdict(ok_sp, sp, t['ismSpeedup'], False, '×')} |")
        for row in browser.get("attribution", []):
            if row.get("length") == 1000 and "medianMs" in row:
                w(f"| gradient×input, 1,000 bp ({row['model']}) | {row['medianMs']:.1f} ms | ≤ {t['attributionMs']} ms | {verdict(row['met'], row['medianMs'], t['attributionMs'], True, ' ms')} |")
        cold = browser.get("coldStart", {})
        for kind in ("minimal", "app"):
            c = cold.get(kind)
            if c and c.get("medianMs") is not None:
                w(f"| cold start to first prediction ({'web app' if kind == 'app' else 'minimal page'}) | {c['medianMs']:,.0f} ms | ≤ {t['coldStartMs']:,} ms | {verdict(c['met'], c['medianMs'], t['coldStartMs'], True, ' ms')} |")
        s = browser.get("size")
        # the package part measures the shipped build (wasm-release, name section removed) on its own
        shipped = next((p["shipped"] for p in (package or {}).get("profiles", []) if p["profile"] == "wasm-release"), None)
        if shipped:
            s = {**shipped, "met": shipped["gzipBytes"] <= t["wasmGzipBytes"]}
        if s:
            w(f"| wasm size, gzip -9 | {s['gzipBytes'] / 1e6:.2f} MB ({s['rawBytes'] / 1e6:.2f} MB raw) | ≤ {t['wasmGzipBytes'] / 1e6:.1f} MB | {verdict(s['met'], s['gzipBytes'] / 1e6, t['wasmGzipBytes'] / 1e6, True, ' MB')} |")
    # the app's pool scans: of the whole browser run and a later `--only ism,pool` run, the newer
    runs = [r for r in (browser, load(results, "browser-ism-models.json")) if r and r.get("appScans")]
    scans = max(runs, key=lambda r: r.get("environment", {}).get("date", ""), default=None)
    for row in pool_target_rows(scans, models_dir):
        w(row)
    if training and "ratio" in training:
        w(f"| training throughput, reference CNN: regula-train ÷ PyTorch (CPU, {training['threads']} threads) | {training['ratio']:.2f}× | ≥ 1.0× | {verdict(training['ratio'] >= 1.0, training['ratio'], 1.0, False, '×')} |")
    for lg in legnet_runs(training):
        which = ", the recipe's" if lg.get("recipe_batch") else ""
        w(f"| training throughput, legnet: regula-train ÷ PyTorch (CPU, {training['threads']} threads, batch {lg['batch']}{which}) | {lg['ratio']:.2f}× | ≥ 1.0× | {verdict(lg['ratio'] >= 1.0, lg['ratio'], 1.0, False, '×')} |")
    for path in references:
        ref = json.load(open(path))
        m = model_metric(ref)
        if m:
            name, ours, theirs = m
            if ref.get("recipe", {}).get("preset") == "legnet":
                # Issue 12: the same validation Pearson within ±0.01 as the PyTorch twin.
                d = ours - theirs
                w(f"| {ref['model']} ({ref.get('epochs_run')} epochs): validation {name}, Regula vs PyTorch twin, same split | {ours:.4f} vs {theirs:.4f} (Δ {d:+.4f}) | within ±0.01 | {'met' if abs(d) <= 0.01 else f'**missed** by {abs(d) - 0.01:.4f}'} |")
                t_ours, t_theirs = test_metric(ref, name)
                if t_ours is not None and t_theirs is not None:
                    w(f"| {ref['model']} ({ref.get('epochs_run')} epochs): **test** {name} (rows that chose nothing), Regula vs PyTorch twin | {t_ours:.4f} vs {t_theirs:.4f} (Δ {t_ours - t_theirs:+.4f}) | (reported) | — |")
            else:
                w(f"| {ref['model']}: validation {name}, Regula vs PyTorch reference | {ours:.4f} vs {theirs:.4f} | Regula ≥ reference | {'met' if ours >= theirs else f'**missed** by {theirs - ours:.4f}'} |")
    for path in seed_files:
        sd = json.load(open(path))
        v = sd["summary"].get("validation")
        if v:
            d = v["difference_of_means"]
            w(f"| {sd['model']}: validation {sd['metric']}, mean of {len(v['regula']['values'])} Regula seeds vs {len(v['twin']['values'])} twin seeds, same split | {v['regula']['mean']:.4f} vs {v['twin']['mean']:.4f} (Δ {d:+.4f}) | within ±0.01 | {'met' if abs(d) <= 0.01 else f'**missed** by {abs(d) - 0.01:.4f}'} |")
        t = sd["summary"].get("test")
        if t:
            w(f"| {sd['model']}: **test** {sd['metric']}, the same means | {t['regula']['mean']:.4f} vs {t['twin']['mean']:.4f} (Δ {t['difference_of_means']:+.4f}) | above the twin (issue 13) | {'met' if t['difference_of_means'] > 0 else 'missed'} |")
            # The shipped model that predicts this cell line best may be a joint one, on the same test rows.
            for _, joint in joints:
                line = next((c for c in joint.get("cell_lines", []) if c["single_task_model"] == sd["model"]), None)
                test_all = (line or {}).get("test", {}).get("all", {})
                if sd["metric"] in test_all.get("joint", {}) and test_all.get("rows") == sd["rows"]["test"]:
                    ours = test_all["joint"][sd["metric"]]
                    w(f"| {joint['joint_model']} ({line['joint_output']} output) on the same **test** rows vs the twin's mean | {ours:.4f} vs {t['twin']['mean']:.4f} (Δ {ours - t['twin']['mean']:+.4f}) | above the twin (issue 13) | {'met' if ours > t['twin']['mean'] else 'missed'} |")
            # Every other shipped model trained on exactly this split (e.g. a student of the seeds' ensemble).
            for name, m in shipped_on_split(models_dir, sd["split"]):
                if name == sd["model"] or sd["metric"] not in m["metrics"]["test"]["per_target"]["overall"]:
                    continue
                ours = m["metrics"]["test"]["per_target"]["overall"][sd["metric"]]
                w(f"| {name} on the same **test** rows vs the twin's mean | {ours:.4f} vs {t['twin']['mean']:.4f} (Δ {ours - t['twin']['mean']:+.4f}) | above the twin (issue 13) | {'met' if ours > t['twin']['mean'] else 'missed'} |")
    if variants_1m and "previous" in variants_1m:
        v = variants_1m
        target = 2 * BASELINE_VARIANTS_PER_SECOND
        w(f"| native score-variants, {v['variants']:,} variants, hepg2-mpra, {v['cores']} cores | {v['variants_per_second']:,.0f} variants/s | ≥ {target:,.0f} (2× {BASELINE_VARIANTS_PER_SECOND:,}) | {verdict(v['variants_per_second'] >= target, v['variants_per_second'], target, False, ' variants/s')} |")
        w(f"| the same: peak resident memory | {v['peak_rss_mb']:,.0f} MB | ≤ 300 MB | {verdict(v['peak_rss_mb'] <= 300, v['peak_rss_mb'], 300, True, ' MB')} |")
    if genome:
        for run in genome.get("runs", []):
            target = genome["target"]["variantsPerSecondAtLeast"]
            w(f"| in-browser genome variants, {genome['model']}, {run['variants']:,} variants, {run['reference']} | {run['variantsPerSecond']:,.0f} variants/s | ≥ {target} variants/s | {verdict(run['met'], run['variantsPerSecond'], target, False, ' variants/s')} |")
        flat = genome.get("memoryFlat") or {}
        for pair in flat.get("pairs", []):
            # Flat: the larger reference adds less than a tenth of its extra bytes to the growth
            # (reading it whole would add them all).
            limit = pair["extraBasesMiB"] / 10
            met = "met" if pair["extraMiB"] < limit else f"**missed** (+{pair['extraMiB']:,.0f} MiB vs < {limit:,.0f} MiB)"
            w(f"| in-browser genome variants: memory growth, {pair['smaller']} → {pair['larger']} | {pair['growthMiB'][0]:+,.0f} → {pair['growthMiB'][1]:+,.0f} MiB ({pair['extraMiB']:+,.0f} MiB for {pair['extraBasesMiB']:,.0f} MiB more file) | flat in the reference size (less than a tenth of the extra file) | {met} |")
        if flat and not flat.get("pairs"):
            w(f"| in-browser genome variants: memory growth during a run, across reference sizes | {', '.join(f'{g:,.0f}' for g in flat['growthMiB'])} MiB (spread {flat['spreadMiB']:,.0f} MiB) | flat in the reference size | see the section |")
    if variants:
        for row in variants.get("models", []):
            w(f"| native score-variants, {variants['variants']:,} variants, {row['model']} | {row['variants_per_second']:,.0f} variants/s | (no target) | — |")
    for wf in workflows:
        m = wf["median_seconds"]
        ratio = m["workflow_2_cores"] / m["unsharded_2_threads"]
        met = "met" if ratio <= 1 else f"**missed** ({ratio:.2f}× the time)"
        faster = "met" if wf["speedup_2_vs_1_core"] > 1 else "**missed**"
        # Runs of 2 cores each, while other work held the machine at more than twice its cores:
        # their times follow that work, not the workflow, so they decide nothing.
        busy, cores = max(wf.get("load_average") or [0]), machine.get("cores") or 2
        if busy > 2 * cores:
            met = faster = f"unresolved (load average up to {busy:.1f} on {cores} cores during the runs)"
        w(f"| workflow, --cores 2 vs one unsharded run (2 threads), {wf['variants']:,} variants | {m['workflow_2_cores']:,.1f} s vs {m['unsharded_2_threads']:,.1f} s | no slower | {met} |")
        w(f"| workflow, --cores 2 vs --cores 1, {wf['variants']:,} variants | {wf['speedup_2_vs_1_core']:.2f}× faster | faster with more cores | {faster} |")
    if ism:
        for key, label in (("speedup_vs_before", f"vs {ism.get('before_label', 'before')}"), ("speedup_vs_naive", "vs one forward pass per substitution")):
            if key in ism:
                w(f"| native ISM, 1 kb reference CNN, fast path {label} | {ism[key]:.1f}× | ≥ 5× | {verdict(ism[key] >= 5, ism[key], 5, False, '×')} |")
    w("")

    if browser:
        render_misses(w, training, scans, browser)
        render_browser(w, browser)
    if training:
        render_training(w, training)
    if references:
        render_references(w, [json.load(open(p)) for p in references], results)
    for path in seed_files:
        render_seeds(w, json.load(open(path)))
    cagi5 = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(results, "cagi5-*.json")))]
    if cagi5:
        render_cagi5(w, cagi5)
    if scans:
        render_accuracy_scan(w, scans, models_dir)
    cold = load(results, "browser-cold-default.json")
    if cold:
        runs = [(r["coldStart"]["model"], r["coldStart"]["app"]["medianMs"]) for r in cold["runs"]]
        env = cold["runs"][0]["environment"]
        w("Cold start of the web app (navigation to first prediction, fresh browser each, median of "
          f"{env['options']['cold-runs']}) with its default model and with hepg2-mpra, one after the other on {env['cpu']} "
          f"({env['date']}): " + ", ".join(f"{m} {ms:,.0f} ms" for m, ms in runs) + " (target ≤ 1,500 ms).")
        w("")
    for path in sorted(glob.glob(os.path.join(results, "ensemble-*.json"))):
        render_ensemble(w, json.load(open(path)))
    if variants:
        render_variants(w, variants)
    if variants_1m:
        render_variants_1m(w, variants_1m)
    if workflows:
        render_workflow(w, workflows, machine.get("cores") or 2)
    if ism:
        render_ism(w, ism)
    if package:
        render_package(w, package)
    if genome:
        render_genome(w, genome)
    for name, joint in joints:
        render_joint(w, name, joint)
    # Sections other scripts write between markers (`<!-- NAME: begin -->` … `<!-- NAME: end -->`,
    # e.g. bench/variants_1m.py) are kept from the current BENCHMARKS.md.
    current = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "BENCHMARKS.md")
    if os.path.exists(current):
        for m in re.finditer(r"<!-- ([\w-]+): begin -->.*?<!-- \1: end -->", open(current).read(), re.S):
            if m.group(1) in RENDERED_HERE:
                continue
            w(m.group(0))
            w("")
    print("\n".join(out))


def legnet_runs(training):
    """The legnet comparisons of a training result, one per batch (older results hold one)."""
    lg = (training or {}).get("legnet") or []
    return lg if isinstance(lg, list) else [lg]


def span(xs, digits=2):
    """`min-max` of `xs` with `digits` decimals (one number where they agree), or — when there are none."""
    if not xs:
        return "—"
    lo, hi = f"{min(xs):.{digits}f}", f"{max(xs):.{digits}f}"
    return lo if lo == hi else f"{lo}-{hi}"


def render_misses(w, training=None, scans=None, browser=None):
    w("### Where targets are missed, and why")
    w("")
    slow = [lg for lg in legnet_runs(training) if lg["ratio"] < 1]
    if slow:
        w(f"- **legnet training throughput at batch {', '.join(str(lg['batch']) for lg in slow)}**: profiled at batch 128, 2 threads (2026-12-01, AMD EPYC;")
        w("  `cargo run --release -p regula-train --example profile_step -- --model legnet --batch 128 --threads 2` against")
        w("  `bench/reference/profile_step.py --batch 128 --threads 2`; each node's median kernel time), a step is forward 126 against")
        w("  140 ms, backward 280 against 255, optimizer 7 against 5, and ORT idles 11 ms between kernels. The convolution work is")
        w("  no slower: forward Conv 71 against 70 ms; backward Conv, GEMMs and their copies (Transpose, Concat, Slice) 177 against")
        w("  PyTorch's `convolution_backward`, 192. The gap is the element-wise backward: SiLU's and batch norm's, written as")
        w("  full-size standard-ONNX passes (Mul, Sub, Add, ReduceSum, a per-channel affine), take 92 ms where PyTorch's fused")
        w("  `silu_backward` and `native_batch_norm_backward` take 38; SiLU's backward alone is four passes where PyTorch makes one.")
        w("  Runs vary by several per cent: two runs of `just bench training` on 2026-12-01 read 1.01× and 0.92× at batch 1024.")
    if training and training.get("ratio", 1) < 1:
        w(f"- **reference CNN training throughput** ({training['ratio']:.2f}×): a step of this small model takes a few milliseconds, and")
        w("  runs of either side vary by several per cent (PyTorch's medians on one 2-core Intel Xeon: 5,404 and 5,206 samples/s in")
        w("  two runs of 2026-11-30). That day the train step became cheaper three ways: ReLU's backward multiplies by the mask cast")
        w("  to float (ORT's `Where` was slower than `Greater`, `Cast` and `Mul` together), non-overlapping max-pools unpool")
        w("  (`MaxUnpool`) instead of scattering, and the 64-channel convolution over 57 positions runs with the batch folded into")
        w("  the positions (one GEMM instead of 32 per-sample ones); interleaved runs went from 8.1 to 5.7 ms a step, and")
        w("  `just bench training` from 0.87× (the first two changes) to 1.03× (all three).")
    tp = [r for r in (browser or {}).get("throughput", []) if "ratio" in r]
    if any(not r["met"] for r in tp):
        ratios = [r["ratio"] for r in tp]
        w(f"- **In-browser inference vs onnxruntime-web** ({span(ratios)}×): profiled in V8 (Node 20, the same wasm")
        w("  with its function names, 128 sequences per call; 2026-11-30), hepg2-mpra's `predict` spent 66 % of its time in tract's f32")
        w("  GEMM kernel, the LegNets 45-47 %, and 13-15 % in element-wise kernels (sigmoid, SiLU). Since 2026-12-01 the GEMM runs")
        w("  a 4×8 tile instead of tract's 8×8, whose 16 accumulators spilled on x86-64's 16 vector registers (vendor/README.md):")
        w("  Regula ÷ onnxruntime-web went from 0.83-0.91× to 1.05-1.11× in Chromium on this machine. Regula's timed `predict` also")
        w("  encodes the sequences and maps the outputs, which the onnxruntime-web side does not.")
        for r in (r for r in tp if not r["met"]):
            lo_r, hi_r = min(r["regula"]["runsMs"]), max(r["regula"]["runsMs"])
            lo_o, hi_o = min(r["ort"]["runsMs"]), max(r["ort"]["runsMs"])
            overlap = " (the two ranges overlap)" if lo_r <= hi_o and lo_o <= hi_r else ""
            w(f"  {r['model']} ({r['ratio']:.2f}×): Regula's runs took {lo_r:,.0f}-{hi_r:,.0f} ms, onnxruntime-web's {lo_o:,.0f}-{hi_o:,.0f} ms{overlap}.")
    ism_rows = {r["model"]: r for r in (browser or {}).get("ism", []) if r.get("speedup")}
    cnn = [ism_rows[m]["speedup"] for m in ("hepg2-mpra", "wtc11-mpra") if m in ism_rows]
    se = [r["speedup"] for m, r in ism_rows.items() if r.get("method") == "naive" and m != "reference1000"]
    fast_legnets = [r["speedup"] for m, r in ism_rows.items() if m.endswith("-fast") and r.get("method") == "fast"]
    dual = ism_rows.get("dual-branch-demo", {}).get("speedup")
    date = (browser or {}).get("environment", {}).get("date", "")[:10]
    w("- **ISM speed-up on the shipped models**: the fast exact scheme saves the ratio of sequence length to the window a")
    w("  substitution can change. The CNN trunks (hepg2-mpra, wtc11-mpra: kernels 15, 7, 5; max-pools 4, 4) see so far that")
    w("  this window spans all of a 230 bp input; the fast path (the window or each layer over the outputs a substitution")
    w(f"  changes, whichever does less) gives {span(cnn, 1)}× naive onnxruntime-web (run of {date}, relaxed-SIMD build), short of 10×")
    w("  but above the 3× of issue 16 for shipped models without an early global op. The LegNet trunks (promoter-tata and the LegNet models)")
    w("  put squeeze-excitation, a mean over the whole length, in their first stage: every substitution changes every later")
    legnet = ism_rows.get("hepg2-legnet", {}).get("fast", {}).get("medianMs")
    rate = f": {legnet / 1000:.1f} s in one worker, {28.1 / (legnet / 1000):.1f} billion a second" if legnet else ""
    w(f"  value, so they run exact naive ISM ({span(se, 1)}× onnxruntime-web; hepg2-legnet's 690 forward passes are 28.1 billion")
    w(f"  multiply-adds, 40.7 million each by ONNX shape inference{rate}). The same LegNets")
    w(f"  without squeeze-excitation (the -fast models, as accurate) scan incrementally, {span(fast_legnets, 1)}× naive onnxruntime-web: see")
    w("  the accuracy-against-scan-time section. A two-segment model (dual-branch-demo) is scanned through each segment's own trunk,")
    w(f"  the other segment fixed (`infer/src/segment_trunks.rs`): {span([dual] if dual else [], 1)}× naive onnxruntime-web, each 230 bp trunk's scan again")
    w("  spanning its whole segment. On 1,000 bp (the reference CNN) the scheme meets the 10× of issue 5.")
    for line in pool_paragraph(scans):
        w(line)
    w("- **wasm size**: four tract crates are patched in `vendor/` for size (`vendor/README.md`): tract registers only the ONNX ops the")
    w("  predictor allows, tract-nnef and tract-core keep no model transforms as linker roots, and tract-data's and tract-core's")
    w("  per-type dispatch compiles each op for bool, i8, i32, i64, f32 and TDim only (the predictor refuses models with other")
    w("  element types, by name); regula-core and regula-wasm are built at opt-level \"z\". That took the package from 3.24 to")
    w("  2.25 and then to 1.90 MB gzip. tract-core then stayed at opt-level 3: at \"s\" a LegNet's incremental scan took 1.45×")
    w("  as long, its per-channel scales and shifts running through ndarray's broadcasting `Zip`, which only heavy inlining made")
    w("  fast. With two more patches those run on tract-linalg's kernels by their run-time shapes (and squeeze-excitation's mean")
    w("  as a running sum), so tract-core is built at \"z\" too: 1.36 MB gzip, and in Node the LegNet scans take 0.89× and the")
    w("  CNNs' 1.01-1.05× the time they took with tract-core at 3 before (root `Cargo.toml`); tract-linalg stays at 3. Since")
    w("  2026-12-02 tract-data (tensor slicing and axis moves, which ran as calls at \"z\") is at 3 too: the fast scans take")
    w("  0.90-0.95× the time and hepg2-legnet's naive scan 0.90× (Node, interleaved), for 1.45 instead of 1.37 MB gzip.")
    w("")


def model_metric(ref):
    """(metric name, Regula's, the reference's) on the validation rows."""
    theirs = ref.get("metrics", {}).get("validation", {}).get("per_target", {}).get("overall")
    ours = ref.get("regula", {}).get("metrics", {}).get("validation", {}).get("per_target", {}).get("overall")
    if not theirs or not ours:
        return None
    name = "pearson" if "pearson" in theirs else "auroc"
    return name, ours[name], theirs[name]


def test_metric(ref, name):
    """(Regula's, the reference's) `name` on the test rows, where both have them."""
    theirs = ref.get("metrics", {}).get("test", {}).get("per_target", {}).get("overall", {}).get(name)
    ours = ref.get("regula", {}).get("metrics", {}).get("test", {}).get("per_target", {}).get("overall", {}).get(name)
    return ours, theirs


def wall_seconds(ref):
    """(Regula's whole training time from its manifest, the twin's training + evaluation time)."""
    ours = ref.get("regula", {}).get("seconds")
    eps = ref.get("epochs") or []
    theirs = sum(e.get("train_seconds", 0) + e.get("eval_seconds", 0) + (e.get("bn_recalibration_seconds") or 0) for e in eps) if eps else None
    return ours, theirs


def render_browser(w, b):
    env = b["environment"]
    w("## In the browser: Regula (tract-wasm) vs onnxruntime-web")
    w("")
    w(f"Headless Chromium {env.get('chromium')} (Debian `chromium` via playwright-core {env.get('playwrightCore')}) on {env.get('cpu')}, {env.get('cores')} cores, onnxruntime-web")
    w(f"{env.get('onnxruntimeWeb')} (wasm execution provider, SIMD, 1 thread — Regula's tract-wasm is single-threaded), Node {env.get('node')};")
    wasm = (env.get("page") or {}).get("wasm")
    build = {"regula_wasm_bg.relaxed.wasm": "its relaxed-SIMD build, which the web app loads in this browser",
             "regula_wasm_bg.wasm": "its SIMD build"}.get(wasm, "its SIMD build (runs before the relaxed-SIMD build existed)")
    w(f"package `{env.get('pkg')}`, {build}; commit {env.get('gitCommit', '?')[:10]}{' (dirty tree)' if env.get('gitDirty') else ''}; load average at start")
    models = sorted({r["model"] for r in b.get("throughput", [])})
    w(f"{env.get('loadAverageAtStart')}, at end {env.get('loadAverageAtEnd')}. Command: `just bench browser` (`bench/browser/run.mjs`), here over the")
    w(f"models {', '.join(models)} (the LegNet models' scans are in the accuracy-against-scan-time section); what each number means:")
    w("`bench/browser/README.md`. Times are medians of the timed runs after a warm-up run.")
    w("")
    w("### Inference throughput")
    w("")
    w("| model | input | sequences per run | Regula runs (ms) | Regula seq/s | onnxruntime-web runs (ms) | onnxruntime-web seq/s | ratio | max \\|Δ\\| raw outputs |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in b.get("throughput", []):
        if "regula" not in r:
            w(f"| {r['model']} | {r.get('length')} bp | | not run: {r.get('regulaSkipped')} | | {ms_list(r['ort']['runsMs']) if 'ort' in r else ''} | {fmt(r.get('ort', {}).get('seqPerS'))} | | |")
            continue
        w(f"| {r['model']} | {r['length']} bp | {r['sequencesPerRun']} | {ms_list(r['regula']['runsMs'])} | {fmt(r['regula']['seqPerS'])} | {ms_list(r['ort']['runsMs'])} | {fmt(r['ort']['seqPerS'])} | **{r['ratio']:.2f}×** | {r['maxAbsDiffRaw']:.1e} |")
    w("")
    w("### Saturation mutagenesis (all 3·L substitutions)")
    w("")
    w("| model | length | Regula method | Regula runs (ms) | Regula median | naive onnxruntime-web runs (ms) | naive median | speed-up | max \\|fast − naive\\| |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in b.get("ism", []):
        if "fast" not in r:
            w(f"| {r['model']} | {r.get('length')} | not run: {r.get('regulaSkipped')} | | | | | | |")
            continue
        method = r.get("method", "fast") + (f" ({r['fallbackReason']})" if r.get("fallbackReason") else "")
        w(f"| {r['model']} | {r['length']} bp | {method} | {ms_list(r['fast']['runsMs'])} | **{r['fast']['medianMs']:,.0f} ms** | {ms_list(r['ortNaive']['runsMs'])} | {r['ortNaive']['medianMs']:,.0f} ms | **{r['speedup']:.1f}×** | {r['maxAbsDiff']:.1e} |")
    shipped = b.get("ism1000Shipped", [])
    if shipped:
        w("")
        w("The shipped models have a fixed input length, so the 1,000 bp case uses the issue-5 reference CNN")
        w("(`wasm/tests/fixtures/reference1000`); a 1,000 bp sequence with a shipped model goes through the web")
        w("app's tiling instead (one run, forward strand, plans warm; each effect is the mean over the windows")
        w("that contain the base):")
        w("")
        tiled_of = {r["model"]: r.get("tiled") for r in b.get("ism", [])}
        for s in shipped:
            accepts = "accepts" if s.get("graphAccepts") else "rejects"
            shape = ", ".join(str(d) for d in s.get("graphInput") or [])
            t = tiled_of.get(s["model"])
            if not t:
                how = "tiled ISM of 1,000 bp not run"
            elif "error" in t:
                how = f"tiled ISM of 1,000 bp failed: {t['error']}"
            else:
                f = t.get("fitting") or {}
                how = (f"{t['method']} ISM of 1,000 bp tiled into {f.get('windows')} windows (stride {f.get('stride')}) "
                       f"in **{t['ms']:,.0f} ms**")
            w(f"- {s['model']} (graph input [{shape}], which {accepts} [1, 4, 1000]): {how}.")
    w("")
    w("### Gradient × input")
    w("")
    w("| model | length | runs (ms) | median |")
    w("|---|---|---|---|")
    for r in b.get("attribution", []):
        if "runsMs" in r:
            w(f"| {r['model']} | {r['length']} bp | {ms_list(r['runsMs'])} | **{r['medianMs']:.1f} ms** |")
        else:
            w(f"| {r['model']} | {r.get('length')} | not run: {r.get('regulaSkipped')} | |")
    w("")
    cold = b.get("coldStart", {})
    w("### Cold start and size")
    w("")
    w(f"A new Chromium process and context per run (nothing cached), model `{cold.get('model')}`; time from navigation start")
    w("to the first prediction on hand.")
    w("")
    w("| page | runs (ms) | median | phases (median ms since navigation) |")
    w("|---|---|---|---|")
    for kind, label in (("minimal", "minimal page (import, init, fetch, load, predict)"), ("app", "the web app (`web/index.html`)")):
        c = cold.get(kind)
        if c and c.get("runs"):
            runs = [r.get("firstPrediction") for r in c["runs"] if r.get("firstPrediction") is not None]
            phases = ", ".join(f"{k} {v:,.0f}" for k, v in (c.get("medianPhasesMs") or {}).items())
            w(f"| {label} | {ms_list(runs)} | **{fmt(c.get('medianMs'), 0)} ms** | {phases} |")
    s = b.get("size")
    if s:
        w("")
        w(f"`{s['file']}`: **{s['rawBytes']:,} bytes raw, {s['gzipBytes']:,} bytes gzip -9**."
          + (f" The relaxed-SIMD build beside it, `{s['relaxed']['file']}`, which the web app loads where the browser runs it:"
             f" {s['relaxed']['rawBytes']:,} bytes raw, {s['relaxed']['gzipBytes']:,} bytes gzip -9." if s.get("relaxed") else ""))
    w("")


def render_training(w, t):
    w("## Training throughput: regula-train (ONNX Runtime CPU) vs PyTorch CPU")
    w("")
    w(f"Random one-hot batches, L = 230; timed steps after warm-up steps; {t['threads']} threads each (PyTorch: `torch.set_num_threads`, one")
    w(f"inter-op thread), idle threads {'spinning (both defaults)' if t['spinning'] else 'passive (ORT allow_spinning=0, OMP_WAIT_POLICY=PASSIVE)'}; runs interleaved.")
    if t.get("malloc"):
        w(f"Both processes run with glibc's malloc kept from returning freed memory to the system ({', '.join(f'`{k}={v}`' for k, v in t['malloc'].items())}):")
        w("PyTorch allocates each step's activations anew, and without these settings it faults them all in again every step")
        w("(at batch 1024: 125 instead of 317 samples/s, half its run in system time); ONNX Runtime keeps its own arena.")
    w("`regula-train` builds the train step as an ONNX graph and runs it as an ORT session (`trainer/examples/bench_train.rs`);")
    w("PyTorch: `bench/reference/bench_train.py`. Command: `just bench training` (`bench/training/throughput.py`).")
    if t.get("load_average_at_start"):
        w("")
        w(f"Load average when this part started: {', '.join(f'{x:.1f}' for x in t['load_average_at_start'])} (1, 5, 15 min); at its end: {', '.join(f'{x:.1f}' for x in t.get('load_average_at_end') or [])}.")
        w("The machine (2 cores) was shared with other work, so single runs vary; compare the two runtimes within a run.")
        loads = [x for r in (t, *legnet_runs(t)) for x in r.get("load_average_1min_after_each_run", [])]
        if loads and max(loads) > 2 * t["threads"]:
            w(f"**The 1-minute load reached {max(loads):.1f} during these runs**, several times the cores: both runtimes ran far below")
            w("their idle-machine speed, and ONNX Runtime and PyTorch/OpenMP slow down differently under contention, so these")
            w("ratios are not those of an idle machine. Rerun `just bench training` on an idle one.")
    w("")
    runs = [("Reference CNN", t if "ratio" in t else None)]
    runs += [(f"legnet, batch {r['batch']}{' (the recipe’s)' if r.get('recipe_batch') else ''}", r) for r in legnet_runs(t)]
    for name, r in runs:
        if not r:
            continue
        w(f"### {name}")
        w("")
        w(f"{r['model']} — batch {r['batch']}, {r['steps']} timed steps after {r['warmup']} warm-up steps.")
        w("")
        w("| | runs (samples/s) | median |")
        w("|---|---|---|")
        w(f"| regula-train | {', '.join(f'{x:,.0f}' for x in r['regula_samples_per_s'])} | {r['regula_median']:,.0f} |")
        w(f"| PyTorch | {', '.join(f'{x:,.0f}' for x in r['pytorch_samples_per_s'])} | {r['pytorch_median']:,.0f} |")
        w(f"| **ratio** | | **{r['ratio']:.2f}×** |")
        w("")
        if r.get("regula_peak_rss_mib"):
            w("Peak resident memory of each whole process (GNU time), and the 1-minute load average after each run (run order:")
            w("Regula, PyTorch, Regula, …):")
            w("")
            w("| | peak RSS per run (MiB) | median |")
            w("|---|---|---|")
            for who, key in (("regula-train", "regula_peak_rss_mib"), ("PyTorch", "pytorch_peak_rss_mib")):
                w(f"| {who} | {', '.join(f'{x:,.0f}' for x in r[key])} | {statistics.median(r[key]):,.0f} |")
            w(f"| load average after each run | {', '.join(f'{x:.1f}' for x in r.get('load_average_1min_after_each_run', []))} | |")
            w("")
        for line in r.get("lines", [])[:2]:
            w(f"    {line}")
        w("")


def regula_throughput(results, ref):
    """Regula's training samples/s on the model's own recipe (two-epoch run by `just bench reference`)."""
    report = load(results, f"regula-{ref['model']}.report.json")
    if not report:
        return None
    rows = ref["rows"]["train"]
    rates = [rows / e["train_seconds"] for e in report["history"] if e.get("train_seconds")]
    return statistics.median(rates) if rates else None


def render_references(w, refs, results):
    w("## Shipped models vs a PyTorch reference trained on the same split (issue 7)")
    w("")
    w("Each shipped model (`models/NAME`, trained by `just train-NAME`) against its PyTorch twin (`bench/reference/`:")
    w("same architecture, initialisation scheme, recipe, split rows — written by `regula-train split` —, epochs budget,")
    w("augmentation, early stopping), trained on CPU by `just bench reference`. Validation metrics in measured units;")
    w("training throughput = training rows ÷ time of the training steps of an epoch (median over epochs; Regula's from a")
    w("two-epoch run of the same recipe in the same bench run, which includes building the epoch's ORT training session;")
    w("batch-norm recalibration and validation are outside both). Each model's two runs follow each other; the load")
    w("average when each PyTorch run started is in the last table. See `bench/reference/README.md` for what is and is not")
    w("mirrored.")
    w("")
    w("| model | rows (train / valid) | metric | Regula (shipped) | PyTorch reference | Regula samples/s | PyTorch samples/s | ratio |")
    w("|---|---|---|---|---|---|---|---|")
    for ref in refs:
        m = model_metric(ref)
        ours_rate, theirs_rate = regula_throughput(results, ref), ref.get("median_samples_per_s")
        ratio = f"{ours_rate / theirs_rate:.2f}×" if ours_rate and theirs_rate else "—"
        if m:
            name, ours, theirs = m
            w(f"| {ref['model']} | {ref['rows']['train']:,} / {ref['rows']['valid']:,} | {name} | **{ours:.4f}** | {theirs:.4f} | {fmt(ours_rate, 0)} | {fmt(theirs_rate, 0)} | **{ratio}** |")
    w("")
    # Runs from before the bench kept glibc's freed memory mapped, at batches whose activations
    # glibc serves by mmap: PyTorch re-faulted them every step (see the training throughput part).
    unfair = [ref["model"] for ref in refs if (ref.get("recipe", {}).get("batch_size") or 0) >= 512
              and ref.get("median_samples_per_s") and "MALLOC_MMAP_MAX_" not in ref.get("environment", {})]
    if unfair:
        w(f"**The PyTorch samples/s of {', '.join(unfair)} understate it**: they were measured before `just bench` kept glibc's")
        w("freed memory mapped, and at batch 1024 PyTorch then spent most of each step faulting its activations in again")
        w("(the legnet of `just bench training` at batch 1024: 125 samples/s so, 317 with the settings). Those ratios overstate")
        w("Regula; `just bench reference` reruns them with the settings.")
        w("")
    w("All validation metrics:")
    w("")
    w("| model | runtime | metrics | epochs run (best) | load average at start |")
    w("|---|---|---|---|---|")
    for ref in refs:
        line = lambda d: ", ".join(f"{k} {v:.4f}" for k, v in sorted(d.items()))
        load_avg = ", ".join(f"{x:.1f}" for x in ref.get("environment", {}).get("load_average_start") or [])
        for split in ("validation", "test"):
            theirs = ref.get("metrics", {}).get(split, {}).get("per_target", {}).get("overall", {})
            ours = ref.get("regula", {}).get("metrics", {}).get(split, {}).get("per_target", {}).get("overall", {})
            if not theirs and not ours:
                continue
            label = "" if split == "validation" else " — **test** rows"
            w(f"| {ref['model']}{label} | Regula | {line(ours)} | {ref.get('regula', {}).get('epochs_run')} ({ref.get('regula', {}).get('best_epoch')}) | |")
            w(f"| {ref['model']}{label} | PyTorch | {line(theirs)} | {ref.get('epochs_run')} ({ref.get('best_epoch')}) | {load_avg} |")
    timed = [(ref, *wall_seconds(ref)) for ref in refs if ref.get("recipe", {}).get("preset") == "legnet"]
    for ref, ours, theirs in timed:
        env = ref.get("environment", {})
        threads = env.get("threads")
        w("")
        if ref.get("concurrent"):
            w(f"{ref['model']}: trained by Regula and by the twin at the same time, {threads} thread each, under `nice -n 15` beside other")
            w(f"work on the 2 shared cores; Regula {fmt((ours or 0) / 60)} min in all (training, evaluation, export), the twin {fmt((theirs or 0) / 60)} min")
            w("(training and evaluation); the load averages are in the table above and in the raw results.")
        else:
            w(f"{ref['model']}: Regula's shipped model took {fmt((ours or 0) / 60)} min in all (training, evaluation, export; its manifest) on")
            w(f"{ref.get('regula', {}).get('machine', 'its machine')}; the twin {fmt((theirs or 0) / 60)} min (training and evaluation) on {env.get('cpu')}, {threads} threads,")
            w(f"{(env.get('date') or '')[:10]}: different runs, not a speed comparison (the throughput columns above are one).")
        # Regula's epochs: the shipped model's own run where its folder is here (the bench's
        # two-epoch run measures throughput only), else the run the comparison made.
        report = load(ref.get("model_dir", ""), "report.json") or load(results, f"regula-{ref['model']}.report.json") or {}
        ours_loss = [h.get("train_loss") for h in report.get("history", [])]
        theirs_loss = [e.get("train_loss") for e in ref.get("epochs", [])]
        ours_valid = [h.get("valid_metric") for h in report.get("history", [])]
        theirs_valid = [e.get("valid_metric") for e in ref.get("epochs", [])]
        if ours_loss and theirs_loss:
            w("Per epoch, training loss: Regula " + ", ".join(f"{x:.4f}" for x in ours_loss) + "; twin " + ", ".join(f"{x:.4f}" for x in theirs_loss) + ".")
            if all(v is not None for v in ours_valid + theirs_valid):
                w("Validation metric: Regula " + ", ".join(f"{x:.4f}" for x in ours_valid) + "; twin " + ", ".join(f"{x:.4f}" for x in theirs_valid) + ".")
            w("One seed each. The architecture and evaluation agree (Regula's exported weights in the twin reproduce Regula's")
            w(f"validation metrics within {ref.get('shipped_weights_check', {}).get('validation', {}).get('max_abs_diff_vs_manifest', float('nan')):.1e}), and so does a single training step from the same weights")
            w("(bench/reference/README.md, \"Step parity\").")
        parity = load(results, f"batch-parity-{ref['model']}.json")
        if parity:
            rel = parity["relative_loss_diff"]
            w("")
            w(f"Same batches, same weights ({parity['date']}, `bench/reference/batch_parity.py`): the first {len(rel)} real training batches of {parity['batch']}")
            w(f"rows of this recipe (the twin's order, reverse-complement and flank-filled shifts, one-cycle learning rate {min(parity['lrs']):.1e} to")
            w(f"{max(parity['lrs']):.1e} per step), trained by both from the same initial weights: the losses agree within {max(rel[:4]):.0e} over the first 4 steps")
            w(f"and within {max(rel):.1e} over all {len(rel)} (step by step, Regula " + ", ".join(f"{x:.4f}" for x in parity["regula_losses"]) + "; twin " + ", ".join(f"{x:.4f}" for x in parity["pytorch_losses"]) + ").")
            higher = sum(a > b for a, b in zip(parity["regula_losses"], parity["pytorch_losses"]))
            w(f"The difference grows from float rounding (Regula's loss is the higher at {higher} of {len(rel)} steps), so the training mechanics agree; the gap")
            w("between the two trained models above comes from what each draws (initial weights, order, augmentation), not from how they train.")
        mem = load(results, f"memory-{ref['model']}.json")
        if mem:
            ours_mib, theirs_mib = mem["regula"]["max_rss_kib"] / 1024, mem["pytorch"]["max_rss_kib"] / 1024
            w(f"Peak resident memory (GNU time) at batch {ref.get('recipe', {}).get('batch_size')}: Regula {ours_mib:,.0f} MiB, the twin {theirs_mib:,.0f} MiB")
            w(f"({ours_mib / theirs_mib:.2f}×).")
    env = refs[0].get("environment", {})
    w("")
    w(f"PyTorch {env.get('torch')}, {env.get('threads')} threads, {env.get('interop_threads')} inter-op thread, OMP_WAIT_POLICY={env.get('OMP_WAIT_POLICY')}.")
    w("")


def render_seeds(w, sd):
    w(f"## {sd['model']}: Regula and its PyTorch twin over seeds (issues 12, 13)")
    w("")
    w(f"One recipe (`models/{sd['model']}/train.toml`), one split ({sd['split']}), each runtime trained with other seeds")
    w("(`regula-train fit --seed N --split-seed 1`; `bench/reference/reference.py --seed N` on the rows of `regula-train split`);")
    w(f"{sd['metric']} of the best epoch by validation. `bench/reference/seeds.py` collects them.")
    w("")
    w(f"| runtime | seed | validation {sd['metric']} | **test** {sd['metric']} |")
    w("|---|---|---|---|")
    for label, runs in (("Regula", sd["regula"]), ("PyTorch twin", sd["twin"])):
        for r in runs:
            w(f"| {label} | {r['seed']} | {r['metrics']['validation'][sd['metric']]:.4f} | {r['metrics']['test'][sd['metric']]:.4f} |")
    for label, key in (("Regula", "regula"), ("PyTorch twin", "twin")):
        v, t = sd["summary"]["validation"][key], sd["summary"]["test"][key]
        sd_text = lambda x: f" (sd {x['sd']:.4f})" if x.get("sd") is not None else ""
        w(f"| {label}, mean | | {v['mean']:.4f}{sd_text(v)} | {t['mean']:.4f}{sd_text(t)} |")
    w("")
    if sd.get("cagi5_hepg2_pearson"):
        w("Zero-shot CAGI5 (HepG2 elements, Pearson r, the product's windowed effect; the twin scored through the same")
        w("pipeline, its weights in Regula's exported graph by `reference.py --save-model`):")
        w("")
        elements = sorted({e for v in sd["cagi5_hepg2_pearson"].values() for e in v})
        w("| run | " + " | ".join(elements) + " | mean |")
        w("|---|" + "---|" * (len(elements) + 1))
        for label, v in sd["cagi5_hepg2_pearson"].items():
            w(f"| {label} | " + " | ".join(f"{v[e]:.3f}" for e in elements) + f" | {statistics.fmean(v.values()):.3f} |")
        w("")
        if "F9" in elements:
            # counted in ../shared/data/cagi5/train_release.tsv (2026-12-01)
            w("F9's released variants (`train_release.tsv`, the part of CAGI5 this project has) are mostly within measurement noise:")
            w("29 of its 236 have a confidence of at least 0.1 (LDLR 93 of 238, SORT1 225 of 430), and their measured effects spread")
            w("less (standard deviation 0.19 log2 units, against 0.46 and 0.68); its replicate correlation, the ceiling, is 0.61")
            w("(LDLR 0.99, SORT1 0.98). Every shipped model (its card) and the PyTorch twin reach 0.07-0.14 on F9.")
            w("")


def render_cagi5(w, reports):
    """Zero-shot CAGI5 of every shipped model side by side, HepG2 elements only (each card has
    all elements): Pearson r over all variants (the headline) and over the confident ones."""
    by_report = [(r, {e["element"]: e for e in r["elements"] if in_hepg2(e)}) for r in reports]
    elements = sorted({name for _, by in by_report for name in by})
    if not elements:
        return
    cell = lambda x, d=3: "—" if x is None else f"{x:.{d}f}"
    mean = lambda xs: statistics.fmean(xs) if xs and None not in xs else None
    w("## Zero-shot CAGI5 variant effects per shipped model (issue 13)")
    w("")
    w("Pearson r of the predicted effect (tile mean, both strands, `bench/cagi5/zero_shot.py`) against the measured effect")
    w("of every released single-nucleotide variant of the elements measured in HepG2 cells; then over the variants whose")
    w(f"measured effect has a confidence of at least {CONFIDENT} alone (the others are mostly measurement noise), and how often")
    w("the predicted effect has the measured sign there (½ is chance). The headline, and issue 13's target of a mean of")
    w("0.50, is over all variants. Each model's card holds every element, with the cross-cell-type ones.")
    w("")
    w("| model (output) | date | " + " | ".join(elements) + " | **mean** | " + " | ".join(f"{e}, confident" for e in elements)
      + " | mean, confident | sign agreement, confident |")
    w("|---|---|" + "---|" * (2 * len(elements) + 3))
    counts = {}
    for r, by in sorted(by_report, key=lambda rb: rb[0]["model"]):
        allv = [by[e]["tile_mean"]["pearson"] if e in by else None for e in elements]
        sure = [((by.get(e) or {}).get("confident") or {}) for e in elements]
        sure_r = [c.get("pearson") for c in sure]
        signs = [c.get("sign_agreement") for c in sure]
        for e, c in zip(elements, sure):
            counts.setdefault(e, c.get("variants"))
        label = r["model"] + (f" ({r['target']})" if r.get("target") and len(r.get("outputs", [])) > 1 else "")
        w(f"| {label} | {r.get('date', '—')} | " + " | ".join(cell(x) for x in allv) + f" | **{cell(mean(allv))}** | "
          + " | ".join(cell(x) for x in sure_r) + f" | {cell(mean(sure_r))} | {cell(mean(signs), 2)} |")
    w("")
    if all(counts.get(e) and counts[e] > 3 for e in elements):
        # Fisher's z: an r near 0 over n pairs has a 95 % interval of about ±tanh(1.96 / √(n − 3))
        w("Few variants are confident, so these numbers move on noise alone: over n of them an r near 0 has a 95 % interval")
        w("of about ±tanh(1.96 / √(n − 3)), " + ", ".join(f"±{math.tanh(1.96 / math.sqrt(counts[e] - 3)):.2f} for {e}'s {counts[e]}" for e in elements) + ".")
        w("")


# Issue 16: a scan shared by the app's pool is at least this many times faster than one worker,
# per worker it uses (1.8x with 2 workers).
POOL_SPEEDUP_PER_WORKER = 0.9


def strands_note(models_dir, model):
    """", both strands" where the model's manifest says its predictions (and so the app's scans)
    average both strands."""
    path = os.path.join(models_dir, model, "manifest.json")
    both = os.path.exists(path) and json.load(open(path)).get("strands") == "both"
    return ", both strands" if both else ""


def pool_target_rows(b, models_dir):
    """Target rows from the web app's scans with its pool (`run.mjs --only ism,pool`): the default
    model's first scan within 1 s, and each model's speed-up over one worker."""
    rows = []
    if not b:
        return rows
    default = b.get("appDefault")  # the model the app opened with in that run
    for r in b.get("appScans", []):
        if "error" in r:
            rows.append(f"| web app scan with the pool, {r['model']} | failed: {r['error']} | — | not measured |")
            continue
        n = r["prepared"]["workers"]
        if r["model"] == default:
            for what, ms in (("first scan, clicked at once", r["atOnce"]["firstMs"]), ("first scan, workers prepared", r["prepared"]["firstMs"])):
                rows.append(f"| web app scan of {r['length']} bp with the pool ({n} workers{strands_note(models_dir, r['model'])}), {r['model']} (the app's default): {what} | {ms:,.0f} ms | ≤ 1,000 ms | {verdict(ms <= 1000, ms, 1000, True, ' ms')} |")
        sp = r.get("speedupOverOneWorker")
        if sp is not None:
            want = POOL_SPEEDUP_PER_WORKER * n
            rows.append(f"| web app scan with the pool{strands_note(models_dir, r['model'])}, {r['model']}: one worker ÷ {n} workers | {sp:.2f}× | ≥ {want:.1f}× | {verdict(sp >= want, sp, want, False, '×')} |")
    return rows


def pool_paragraph(b):
    """Why the pool's speed-ups fall short, in the numbers of the `--only ism,pool` run `b`."""
    rows = [r for r in (b or {}).get("appScans", []) if "error" not in r and r.get("speedupOverOneWorker")]
    if not rows:
        return []
    naive = lambda r: not r["prepared"]["method"].startswith("fast")  # noqa: E731
    app = {k: [r["speedupOverOneWorker"] for r in rows if naive(r) == k] for k in (False, True)}
    bare = {k: [r["bareWorkers"]["speedup"] for r in rows if naive(r) == k and r.get("bareWorkers", {}).get("speedup")] for k in (False, True)}
    fast_bare = [r["bareWorkers"] for r in rows if not naive(r) and r.get("bareWorkers", {}).get("halfAloneMs")]
    half = [statistics.median(x["halfAloneMs"]) / statistics.median(x["wholeMs"]) for x in fast_bare]
    together = [statistics.median(x["halfTogetherMs"]) / statistics.median(x["halfAloneMs"]) for x in fast_bare]
    # The two halves of each bare-worker split, run at once: how far apart they end.
    pairs = [(x, y) for r in rows for h in [r.get("bareWorkers", {}).get("halfTogetherMs") or []] for x, y in zip(h[::2], h[1::2])]
    apart = [max(x, y) / min(x, y) for x, y in pairs]
    waited = [(max(x, y) - (x + y) / 2) / max(x, y) for x, y in pairs]
    date = b.get("environment", {}).get("date", "")[:10]
    out = [
        f"- **Scans shared by the pool** (the app against the app held to one worker, run of {date}): {span(app[False])}× for the fast scans,",
        f"  {span(app[True])}× for the naive ones. The same split in two bare workers with no page around them reaches {span(bare[False])}× and",
        f"  {span(bare[True])}× (the accuracy-against-scan-time table). There a part alone takes {span(half)} of the whole for the fast",
        f"  scans, and {span(together)}× as long with the other part running beside it as alone (`halfAloneMs`, `halfTogetherMs`).",
    ]
    if pairs:
        out += [
            f"  The two halves run at once do not end together: the slower took {span(apart)}× the faster (median {statistics.median(apart):.2f}×;",
            "  the halves are a strand each, the same work, so it is the worker the machine ran less), and the split waits for the slower:",
            f"  a median {100 * statistics.median(waited):.0f} % of its time (at most {100 * max(waited):.0f} %) against both ending together, over the {len(pairs)} splits. Handing",
            "  the slower worker's last positions to the first one free would win that back, no more; more, smaller parts would not:",
            "  each part prepares its strand again (22 of 430 ms for a strand of hepg2-legnet-fast in Node) and fills fewer trunk",
            "  batches, so that eight parts took 1.32× the whole scan's time on one thread and four 1.05× (Node, 2026-12-02).",
        ]
    out += [
        "  Where the two-worker scan loses, traced in headless Chromium (2026-12-02, hepg2-legnet-fast, Chrome's trace of the page",
        "  and its workers, thread CPU time): one worker spent 1,134 ms of CPU on the whole scan, two workers 1,289-1,483 ms on its",
        "  two halves, and each half's wall time ran 80-110 ms over its CPU time (descheduled); the page's own threads (main,",
        "  compositor, raster) used 113-178 ms. The parts themselves are even (preparation 47-78 ms per part, and a merge of 8-16 ms",
        "  per scan before the parts crossed as typed arrays, from the workers' own clocks). So what the app loses is mostly the two cores running two workers at once beside the browser",
        "  (in Node, without a browser, the same two halves on two threads reach 1.80-1.93× a whole scan, and 1.98-2.00× for lentimpra-joint-fast",
        "  in `worker_threads` on 2026-12-02), and the rest the page:",
        "  since 2026-12-02 the progress bar redraws every 250 ms instead of once a frame, and the harness waits for a scan's end",
        "  through a MutationObserver (Playwright's `waitForFunction` polled on every animation frame, so the page drew 60 frames a",
        "  second through each scan: the page's threads used 100-120 ms of CPU per scan with that polling, 82-90 ms without).",
        "  The same app and machine give a spread of ±0.15× from run to run (hepg2-legnet-fast 1.46-1.83× over fourteen runs of the",
        "  pool part that day, its bar redrawn once a frame, never or every 250 ms, with either wait; this run started at load",
        f"  average {(b.get('environment', {}).get('loadAverageAtStart') or [0])[0]:.1f}). The one-worker and two-worker pages now scan in turns, so the machine's drift no",
        "  longer lands on one side of the ratio.",
        "  Since 2026-12-01 a scan averages both strands where the manifest says so (every shipped model), and the pool cuts its",
        "  substitutions strand by strand: with two workers each prepares (reference passes, the fast path's self-checks) and scans",
        "  one strand, and one of them merges the parts' raw outputs (`mergeMutagenesis`), exactly the whole scan: 0.5 ms in Node for",
        "  a 230 bp scan since the parts cross as typed arrays (2026-12-02; read number by number through serde, 6-13 ms, and",
        "  `finish()` of a part 3 ms). Cut by positions instead, each worker would prepare both strands. Since 2026-12-01, too, each worker steps",
        "  by a whole trunk batch (32 positions) instead of 20 steps per part (6 positions for a 230 bp scan on two workers), which",
        "  cost 5 % in Node.",
    ]
    m = b.get("machineCeiling")
    if m and m.get("speedup"):
        out += [f"  What the machine gives any two threads beside the browser, in the same run: two workers spinning a pure integer loop",
                f"  (registers only, no memory traffic; `machineCeiling` in pool-ceiling.mjs) at once took {statistics.median(m['togetherMs']):,.0f} ms against",
                f"  {statistics.median(m['aloneMs']):,.0f} ms for one alone, {m['speedup']:.2f}× one worker's throughput. Where a scan's two parts reach less, two",
                "  scans at once slow each other more than two loops do, most likely through their memory traffic (each worker packs its",
                "  own GEMM panels and allocates each stage's tensors, sharing the L3 cache and memory with the other), not the page or the split."]
    d = next((r for r in rows if r["model"] == b.get("appDefault") and r.get("bareWorkers", {}).get("splitMs")), None)
    if d:
        bw = d["bareWorkers"]
        two, bare_two = statistics.median(d["prepared"]["laterMs"]), statistics.median(bw["splitMs"])
        one, bare_one = d["oneWorkerMs"], statistics.median(bw["wholeMs"])
        out += [f"  The app's two workers against the bare ones, {d['model']}: {two:,.0f} against {bare_two:,.0f} ms; its one worker against a bare one:",
                f"  {one:,.0f} against {bare_one:,.0f} ms."]
    out += [
        "  Until 2026-11-30 the app also idled between a scan's chunks: its workers yielded through `setTimeout(0)`, which browsers",
        "  delay by 4 ms once nested five deep, about 80 ms per scan; they now yield through a `MessageChannel`, and the progress bar",
        "  waits 250 ms before it shows (hepg2-mpra's scan in the app with two workers: 182 ms before, 119 ms after). Since then, too,",
        "  preparing a model's scans plans its attribution graph in each worker, which had held up the first scan after a model was",
        "  chosen from the menu by 0.2-0.3 s (the gradient × input the results view asks for after a prediction).",
    ]
    return out


def shipped_on_split(models_dir, split):
    """(name, manifest) of each shipped model split as `split` describes (strategy, fractions,
    seed, validation and test rows; a distilled model's training rows include its mutated copies),
    in name order."""
    held_out = lambda s: (s.split(": ")[0], s.split(" train / ")[-1])  # noqa: E731
    for name in sorted(os.listdir(models_dir)):
        path = os.path.join(models_dir, name, "manifest.json")
        if os.path.isfile(path):
            m = json.load(open(path))
            if held_out(m.get("training", {}).get("split", "")) == held_out(split) and "test" in m.get("metrics", {}):
                yield name, m


def render_accuracy_scan(w, b, models_dir):
    """Issue 16 point 6: each shipped single-sequence model's test accuracy beside the time of its
    full saturation scan in Chromium (`run.mjs --only ism`, one worker)."""
    w("## Accuracy against scan time (issue 16)")
    w("")
    env = b.get("environment", {})
    cpu = f" on {env['cpu']}, {env.get('cores', '?')} cores" if env.get("cpu") else ""
    w(f"Full saturation scan (all 3·L substitutions) of one sequence at the model's length in headless Chromium{cpu}, one worker, the forward")
    w("strand (`reverseComplement: false`: the work of the naive onnxruntime-web scan it is compared with), Regula's")
    w(f"fast path where it applies (`node bench/browser/run.mjs --only ism`; {env.get('date', env.get('startedAt', ''))}, load average at start")
    w(f"{', '.join(f'{x:.1f}' for x in env.get('loadAverageAtStart', []) or [])}). Accuracy: the manifest's test metric (rows that chose nothing), else its validation metric.")
    for model, again in sorted(b.get("remeasured", {}).items()):
        load = ", ".join(f"{x:.1f}" for x in again.get("loadAverageAtStart", []))
        w(f"{model}: {again['why']}, on {again['date']} (load average at start {load}, commit {again['gitCommit'][:10]}).")
    w("")
    pool = {r["model"]: r for r in b.get("appScans", []) if "error" not in r}
    if pool:
        n = next(iter(pool.values()))["prepared"]["workers"]
        w(f"With the pool: the scan a user gets in the web app, shared by its {n} workers (`--only ism,pool`, `bench/browser/app-scan.mjs`): since")
        w("2026-12-01 every prediction of a scan is the mean of both strands where the manifest says the model's metrics were measured so")
        w("(`strands: both`, every shipped model), twice the forward passes of the column before, and two workers take a strand each; the first scan")
        w("clicked as soon as the model is ready, the first once the app has prepared its workers (a 32-position scan in each, which")
        later = len(next(iter(pool.values()))["prepared"]["laterMs"])
        w(f"makes tract's plans and lets the engine optimise the hot code), and the median of {later} later ones; the speed-up is the median of")
        w("the same later scans in the app with its pool held to one worker (`navigator.hardwareConcurrency` 1) ÷ that median.")
        if any(r.get("oneWorker", {}).get("interleaved") for r in pool.values()):
            w("The two pages were open side by side and scanned in turns (pool, one worker, one worker, pool, …), since this machine's")
            w("speed drifts between sessions a minute apart by more than the target's margin.")
        w("Bare workers: the app's split with no app around it, two module workers (`wasm/js/ism-worker.js`, `bench/browser/pool-ceiling.mjs`),")
        stepped = any(r.get("bareWorkers", {}).get("stepping") for r in pool.values())
        how = "stepped as the app's workers step" if stepped else "each scan in one step (the app's workers step by a trunk batch)"
        w(f"{how}, the whole scan in one → both parts at once and their merge (medians): what two workers can give")
        w("this scan on this machine.")
        w("")
    pool_head = " | app: first scan at once / prepared | app: later scans | app, one worker | speed-up | bare workers: speed-up" if pool else ""
    w(f"| model | weights | metric (rows) | scan method | scan time (one worker) | ≤ 1 s{pool_head} |")
    w("|---|---|---|---|---|---|" + ("---|---|---|---|---|" if pool else ""))
    for r in b.get("ism", []):
        path = os.path.join(models_dir, r["model"], "manifest.json")
        if not os.path.exists(path):
            continue
        m = json.load(open(path))
        split = "test" if "test" in m.get("metrics", {}) else "validation"
        per_target = m.get("metrics", {}).get(split, {}).get("per_target", {})
        overall = per_target.get("overall", {})
        name = "pearson" if "pearson" in overall else "auroc" if "auroc" in overall else next(iter(overall), None)
        targets = [t for t in per_target if t != "overall"]
        if name and len(targets) > 1:
            # one number per output: a pooled correlation over outputs in different units means little
            metric = f"{name} " + ", ".join(f"{t} {per_target[t][name]:.3f}" for t in targets if name in per_target[t]) + f" ({split})"
        else:
            metric = f"{name} {overall[name]:.3f} ({split})" if name else "—"
        how = r["method"] + (f" ({r['fallbackReason']})" if r.get("fallbackReason") else "")
        ms = r["fast"]["medianMs"]
        cells = ""
        if pool:
            a = pool.get(r["model"])
            one = f"{a['oneWorkerMs']:,.0f} ms" if a and "oneWorker" in a else "—"  # runs before the app's one-worker scans had none
            bare = a.get("bareWorkers", {}) if a else {}
            bare = (f"{statistics.median(bare['wholeMs']):,.0f} → {statistics.median(bare['splitMs']):,.0f} ms, {bare['speedup']:.2f}×"
                    if "speedup" in bare else "—")
            cells = (f" | {a['atOnce']['firstMs']:,.0f} / {a['prepared']['firstMs']:,.0f} ms | {statistics.median(a['prepared']['laterMs']):,.0f} ms | "
                     f"{one} | {a.get('speedupOverOneWorker', 0):.2f}× | {bare}" if a else " | — | — | — | — | —")
        w(f"| {r['model']} | {m.get('training', {}).get('parameters', 0):,} | {metric} | {how} | {ms:,.0f} ms | {'yes' if ms <= 1000 else '**no**'}{cells} |")
    w("")
    # the distilled CNNs against their LegNet teachers and the same CNN on the measurements, from the
    # search records the cards show (bench/tried/*.json)
    pairs = []
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tried", "*.json"))):
        runs = json.load(open(path))["runs"]
        shipped = {r["shipped_as"]: r for r in runs if r.get("shipped_as")}
        students = [m for m in shipped if m.endswith("-mpra") and m.replace("-mpra", "-legnet") in shipped]
        plain = next((r for r in runs if r["candidate"] == "cnn"), None)
        for m in students:
            teacher = m.replace("-mpra", "-legnet")
            alone = f" ({plain['test_pearson']:.3f} for the same CNN trained on the measurements)" if plain else ""
            pairs.append(f"{m} {shipped[m]['test_pearson']:.3f} against {teacher}'s {shipped[teacher]['test_pearson']:.3f}{alone}")
    if pairs:
        w(f"The -mpra CNNs are distilled from the LegNets (`fit --teacher`, see their cards; test Pearson, bench/tried/): {'; '.join(pairs)};")
        w("each at a fraction of its teacher's scan time.")
    w("LegNet's squeeze-excitation (a mean over the whole sequence in its first stage) defeats both the windowed and the")
    w("incremental scan, so it runs naive. Without it (`se_reduction = 0`, hepg2-legnet-fast: as accurate on the same split,")
    w("bench/tried/hepg2.json) a substitution changes a bounded span of each layer, and the scan is incremental through the")
    w("blocks' concatenations (`infer/src/incremental.rs`), with its depthwise convolutions run as their taps.")
    by_model = {r["model"]: r for r in b.get("ism", [])}
    if "hepg2-legnet" in by_model and "hepg2-legnet-fast" in by_model:
        se, fast = by_model["hepg2-legnet"], by_model["hepg2-legnet-fast"]
        w(f"In this run: {fast['fast']['medianMs']:,.0f} ms against {se['fast']['medianMs']:,.0f} ms for hepg2-legnet "
          f"({se['fast']['medianMs'] / fast['fast']['medianMs']:.1f}× faster), and {fast.get('speedup', 0):.1f}× naive onnxruntime-web "
          f"on one thread ({fast['ortNaive']['medianMs']:,.0f} ms).")
    w("")

def render_ensemble(w, e):
    """Issue 13: what an ensemble (`regula-train ensemble`) adds over its members, and what it
    costs in the browser (bench/ensemble/summarise.py)."""
    ens, members, student, b = e["ensemble"], e["members"], e.get("student"), e["browser"]
    w(f"## Ensemble: {ens['name']} (issue 13)")
    w("")
    w(f"The mean of {len(members)} LegNets trained with seeds {', '.join(str(m['seed']) for m in members)} on one split ({ens['split']}),")
    w("exported as one ONNX graph by `regula-train ensemble`; metrics on the split's rows (the test rows chose nothing).")
    if e.get("about"):
        w(e["about"])
    if student:
        w(f"`{student['name']}`: one model of the members' recipe distilled from them (`fit --teacher`, the members' mean prediction for the training rows and one mutated copy of each).")
    w(f"Browser: {b['what']} ({b['date']}, load average at start {load_text(b.get('load_average_at_start'))}; headless Chromium {b.get('chromium', '')}).")
    w("")
    elements = sorted({k for m in [ens, *members, student] if m and m.get("cagi5_pearson") for k in m["cagi5_pearson"]})
    cagi = f" | CAGI5 r ({', '.join(elements)})" if elements else ""
    w(f"| model | weights | ONNX | validation Pearson | **test** Pearson | test: promoters | test: candidate enhancers{cagi} | browser scan | browser seq/s |")
    w("|---|---|---|---|---|---|---|" + ("---|" if elements else "") + "---|---|")
    cost = {ens["name"]: b["ensemble"], members[0]["name"]: b["member"]}
    for m in [*members, ens, *([student] if student else [])]:
        by_class = m.get("by_class", {})
        cls = lambda key: next((v["pearson"] for k, v in by_class.items() if k.startswith("test: " + key)), None)
        c = m.get("cagi5_pearson") or {}
        cagi_cell = f" | {', '.join(fmt(c.get(el), 3) for el in elements)}" if elements else ""
        browser = cost.get(m["name"], {})
        name = f"**{m['name']}**" if m is ens else m["name"]
        w(f"| {name} | {m['parameters']:,} | {m['onnx_bytes'] / 1e6:.1f} MB | {m['metrics']['validation']['pearson']:.4f} | "
          f"{m['metrics']['test']['pearson']:.4f} | {fmt(cls('promoters'), 3)} | {fmt(cls('candidate enhancers'), 3)}{cagi_cell} | "
          f"{fmt(browser.get('scan_ms'), 0)}{' ms' if browser.get('scan_ms') else ''} | {fmt(browser.get('sequences_per_second'), 1)} |")
    w("")
    gain = ens["metrics"]["test"]["pearson"] - max(m["metrics"]["test"]["pearson"] for m in members)
    ratio = b["ensemble"]["scan_ms"] / b["member"]["scan_ms"] if b["ensemble"].get("scan_ms") and b["member"].get("scan_ms") else None
    methods = [x.get("scan_method") for x in (b["ensemble"], b["member"])]
    how = f" (scans: {methods[0]}, against the member's {methods[1]})" if all(methods) else ""
    weight = "over" if ens["onnx_bytes"] > MODEL_BYTES_LIMIT else "within"
    w(f"The ensemble adds {gain:+.4f} test Pearson over its best member and costs {fmt(ratio, 2)}× its scan time{how} and "
      f"{ens['onnx_bytes'] / members[0]['onnx_bytes']:.1f}× its size ({ens['onnx_bytes'] / 1e6:.1f} MB, {weight} the 5 MB a shipped model may weigh).")
    w("")


# What a shipped model's ONNX file may weigh (scripts/verify-models.py).
MODEL_BYTES_LIMIT = 5_000_000
# Native score-variants before issue 17: hepg2-mpra, 100,000 SNVs, 2 threads (bench/results/variants.json of
# 2026-11-21, load average 2.1 at its end); the target is twice this.
BASELINE_VARIANTS_PER_SECOND = 1856
# Sections once written between markers by other scripts, now rendered from their JSON here.
JOINTS = ("joint", "joint-fast", "joint-fast-ensemble")
RENDERED_HERE = {"variants-1m", *JOINTS}


def render_joint(w, name, j):
    """`bench/joint/compare.py`: a joint HepG2 + WTC11 model against each single-task model, between
    the markers `name` (the JSON's file name) names."""
    num = lambda v: "—" if v is None else f"{v:.4f}"  # noqa: E731
    w(f"<!-- {name}: begin -->")
    w(f"## One model for two cell lines (lentiMPRA HepG2 + WTC11): {j['joint_model']}")
    w("")
    w(f"Question: {j['question']} `{j['joint_model']}` ({j['joint_parameters']:,} weights; split: {j['joint_split']}; trained in")
    w(f"{j['joint_training_minutes']} min on {j.get('joint_training_machine') or '?'}, shared with other work) against the shipped single-task LegNets. Method: {j['method']}. Made by")
    w(f"`bench/joint/compare.py` ({j['date']}); the single-task models' test numbers reproduce their cards. Pearson r, Spearman ρ")
    w("against the measured log2 RNA/DNA of the cell line.")
    w("")
    w("| cell line (single-task model) | part | class | rows | single-task r | joint r | single-task ρ | joint ρ |")
    w("|---|---|---|---|---|---|---|---|")
    for c in j["cell_lines"]:
        for part in ("test", "validation"):
            for cls, m in c[part].items():
                bold = (lambda v: f"**{num(v)}**") if (part == "test" and cls == "all") else num
                w(f"| {c['cell_line']} ({c['single_task_model']}) | {part} | {cls} | {m['rows']:,} | {bold(m['single']['pearson'])} | {bold(m['joint']['pearson'])} | {num(m['single']['spearman'])} | {num(m['joint']['spearman'])} |")
    w("")
    for c in j["cell_lines"]:
        b = c["test_bootstrap"]
        w(f"- {c['cell_line']}: joint − single-task test Pearson r {c['test']['all']['joint']['pearson'] - c['test']['all']['single']['pearson']:+.4f}; paired bootstrap over "
          f"{b['groups']:,} groups ({b['resamples']:,} resamples): 95 % interval [{b['delta_pearson_2.5%']:+.4f}, {b['delta_pearson_97.5%']:+.4f}], joint ahead in "
          f"{b['share_joint_ahead']:.1%} of them.")
    w("")
    shipped = os.path.exists(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", j["joint_model"], "manifest.json"))
    if j["joint_better_on_both"]:
        verdict = "**The joint model beats both single-task models on their own test rows.**"
    else:
        ahead = [c["cell_line"] for c in j["cell_lines"] if c["test_bootstrap"]["delta_pearson_2.5%"] > 0]
        verdict = (f"**The joint model does not beat both single-task models on their own test rows**: it is ahead beyond the bootstrap's "
                   f"95 % interval for {', '.join(ahead) or 'neither cell line'} only.")
    verdict += (f" It ships as `{j['joint_model']}` beside the single-task models, which stay." if shipped
                else " It is not shipped (evidence in `bench/tried/hepg2.json`, `bench/tried/wtc11.json`).")
    w(verdict)
    w(f"<!-- {name}: end -->")
    w("")


def load_text(values):
    return ", ".join(f"{x:.1f}" for x in values or [])


def render_variants(w, v):
    if "models" not in v:  # the result format before issue 17: one model
        v = {**v, "models": [{**v, "load_average": []}], "load_average_at_start": None}
    w("## Native variant scoring")
    w("")
    w(f"`regula-train score-variants` (ONNX Runtime CPU, `--threads {v['threads']}`: as many single-threaded sessions side by side) on")
    w(f"{v['variants']:,} deterministic single-nucleotide variants of hg19 chr22:20–21 Mb (`bench/variants/score_variants.py`), each")
    w(f"scored on the model window centred on it, reference and alternate, {v['strands']}; wall time of the whole command")
    w("(reading genome and VCF, predicting, writing the TSV), every shipped model that reads one sequence. Command:")
    w("`just bench variants`. The machine is shared with other work: the load average beside each run says how much.")
    w("")
    w("| model | model input | runs (s) | load average (1 min) after each | median | variants/s |")
    w("|---|---|---|---|---|---|")
    for row in v["models"]:
        w(f"| {row['model']} | {row['window']} bp | {', '.join(f'{s:.1f}' for s in row['seconds'])} | {load_text(row.get('load_average'))} | {row['median_seconds']:.1f} s | **{row['variants_per_second']:,.0f}** |")
        if "before" in row:
            b = row["before"]
            w(f"| {row['model']}, {b['label']} | {row['window']} bp | {', '.join(f'{s:.1f}' for s in b['seconds'])} | (interleaved with the runs above) | {b['median_seconds']:.1f} s | {b['variants_per_second']:,.0f} |")
    w("")
    for row in v["models"]:
        if "speedup_vs_before" in row:
            w(f"{row['model']}: **{row['speedup_vs_before']:.2f}×** the variants/s of {row['before']['label']}, their runs interleaved on the same VCF.")
            w("")
    for n in v.get("not_scored", []):
        w(f"Not measured: {n['model']}, which {n['why']}.")
        w("")
    if v.get("load_average_at_start") is not None:
        w(f"Load average (1, 5, 15 min): {load_text(v['load_average_at_start'])} before the runs, {load_text(v.get('load_average_at_end'))} after ({v.get('date')}).")
        w("")


def render_variants_1m(w, v):
    w("## One million variants from the command line")
    w("")
    if "previous" not in v:  # the result format before issue 17
        w(f"`just bench-variants-1m` (issue 15): {v['variants']:,} SNVs in {v['seconds']:,.0f} s ({v['variants_per_second']:,.0f} variants/s), peak memory {v['peak_rss_mb']:,.0f} MB.")
        w("")
        return
    w(f"`just bench-variants-1m`: `regula-train score-variants` (release build, ONNX Runtime CPU, `--threads {v['threads']}`,")
    w(f"`models/hepg2-mpra`) on {v['variants']:,} SNVs of a sorted VCF against a 50 Mb reference (the 1 Mb hg19 chr22 slice")
    w("repeated 50 times, one record, no index beside it: indexed in one streaming pass and read by region), written as")
    w(f"{v['output']}. Measured with `/usr/bin/time -v` on this {v['cores']}-core machine, shared with other work: load")
    w(f"average (1, 5, 15 min) {load_text(v['load_average_at_start'])} before, {load_text(v['load_average_at_end'])} after ({v['date']}); the process got")
    w(f"{v['cpu_percent']}% of a core on average (of 200%) and used {v['user_seconds']:,.0f} s of CPU, i.e. {v['variants'] / v['user_seconds']:,.0f} variants per CPU-second.")
    scored = v["records"] - v["records_unscored"]
    w(f"{v['records_unscored']:,} of the variants lie where their window holds `N` (the slice has a 100 kb gap, repeated) and")
    w(f"are not scored, so no prediction is made for them; counting only the {scored:,} scored ones, the rate is {scored / v['seconds']:,.0f} per")
    w(f"second, {scored / v['user_seconds']:,.0f} per CPU-second (issue 15's run predicted every window, `N` read as 0.25).")
    w("")
    w("| run | variants | wall time | variants/s | CPU | variants per CPU-second | peak resident memory (target ≤ 300 MB) | out |")
    w("|---|---|---|---|---|---|---|---|")
    w(f"| this one | {v['variants']:,} | {v['seconds']:,.0f} s | **{v['variants_per_second']:,.0f}** | {v['cpu_percent']}% | {v['variants'] / v['user_seconds']:,.0f} | {v['peak_rss_mb']:,.0f} MB ({'met' if v['peak_rss_mb'] <= 300 else 'missed'}) | {v['records']:,} records ({v['records_unscored']} unscored) |")
    p = v.get("previous")
    if p:
        w(f"| issue 15's run (TSV out, one session of 2 intra-op threads) | {p['variants']:,} | {p['seconds']:,.0f} s | {p['variants_per_second']:,.0f} | {p['cpu_percent']}% | {p['variants'] / p['user_seconds']:,.0f} | {p['peak_rss_mb']:,.0f} MB | {p.get('rows', 0):,} rows |")
    w("")
    w(f"The issue's target is twice the {BASELINE_VARIANTS_PER_SECOND:,} variants/s that `just bench variants` measured before it (100,000 variants,")
    w(f"2 threads): {2 * BASELINE_VARIANTS_PER_SECOND:,} variants/s. Wall-clock rates on this shared machine follow its load; variants per")
    w("CPU-second do not, and compare the two runs more fairly. Memory stays flat with the number of variants: the VCF is")
    w("read, scored and written 4,096 records at a time, and the reference is read in 1 Mb blocks, never whole.")
    w("")


def render_workflow(w, runs, cores):
    w("## The workflow: shards on 1 and 2 cores")
    w("")
    r = runs[0]
    w(f"`just bench workflow` (`bench/workflow/run.py`): `workflow/Snakefile` on sorted SNVs evenly spread over hg19 chr22:20–21 Mb")
    w(f"(model {r['model']}, one thread per shard job; the VCF {r.get('vcf_format', 'plain')}), with `--cores 1` and `--cores 2`, against one")
    w("unsharded `score-variants --threads 2` run on the same VCF; runs interleaved; wall time including Snakemake's start, the")
    w("shard plan and the merge. About 10 % of the SNVs lie where the slice's 100 kb gap of `N` is in their window: they are not")
    w("scored (and cost almost nothing).")
    w("")
    w("| variants | shards | run | times (s) | median | variants/s |")
    w("|---|---|---|---|---|---|")
    for r in runs:
        m, vps = r["median_seconds"], r["variants_per_second"]
        cut = f"{r['shard_records']:,} records each" if r.get("shard_records") else f"{r['shard_size']:,} bases each"
        for key, label in (("workflow_1_core", "workflow, `--cores 1`"), ("workflow_2_cores", "workflow, `--cores 2`"), ("unsharded_2_threads", "one run, `--threads 2`")):
            shards = f"{r['shards']} of {cut}" if key != "unsharded_2_threads" else "—"
            w(f"| {r['variants']:,} | {shards} | {label} | {', '.join(f'{s:.1f}' for s in r['seconds'][key])} | {m[key]:.1f} s | {vps[key]:,.0f} |")
    w("")
    for r in runs:
        sh = r["shard_seconds"]
        m = r["median_seconds"]
        fixed = m["workflow_2_cores"] - m["unsharded_2_threads"]
        w(f"- {r['variants']:,} variants: 2 cores run the workflow **{r['speedup_2_vs_1_core']:.2f}×** as fast as 1, in "
          f"{m['workflow_2_cores'] / m['unsharded_2_threads']:.2f}× the time of one unsharded run ({fixed:+.1f} s). A shard took {sh['median']:.1f} s")
        w(f"  (median of {sh['n']}, the shards' logs; longest {sh['max']:.1f} s), including starting regula-train and loading the model.")
        parts = r.get("parts_seconds", {}).get("workflow_2_cores")
        if parts:
            w(f"  The `--cores 2` runs (medians, from the files' times): Snakemake's start and the shard plan {parts['start_and_plan']:.1f} s, the shards")
            w(f"  {parts['shards']:.1f} s, the merge after the last shard {parts['merge']:.1f} s, Snakemake's exit after it {parts['exit']:.1f} s.")
            if m["workflow_2_cores"] > m["unsharded_2_threads"]:
                fixed_parts = parts["start_and_plan"] + parts["merge"] + parts["exit"]
                w(f"  Those fixed parts, {fixed_parts:.1f} s, are {100 * fixed_parts / m['unsharded_2_threads']:.0f} % of the unsharded run's time: at this size they decide the"
                  " difference; a larger VCF spreads them over more work.")
        w(f"  Load average (1 min) after each round: {load_text(r['load_average'])}; {load_text(r['load_average_at_end'])} at the end ({r['date']}).")
    busy = [r for r in runs if max(r.get("load_average") or [0]) > 2 * cores]
    if busy:
        w("")
        w(f"At load averages above twice the {cores} cores (other work on this shared machine: builds, training), the times of the")
        sizes = " and ".join(f"{r['variants']:,}" for r in busy)
        w(f"{sizes}-variant runs follow that work more than the workflow, and")
        w("their ratios decide nothing (the targets table says unresolved); run `just bench workflow` again on a quieter machine.")
    w("")
    w("Where the time goes (measured by hand on the 1,000,000-variant VCF, 2026-11-29): a shard job scores as much per CPU second")
    w("as one run does (25,000 variants in 5.8 CPU s alone, its start included: 0.03 CPU s for ONNX Runtime, the model and the")
    w("indexes; two side by side take 1 % longer each than one alone). One unsharded run keeps its two threads 97 % busy (211.5 CPU s")
    w("in 109.1 s): the rest is reading and writing between batches on one of them, which one-thread shard jobs do not wait for.")
    w("The workflow's own costs are Snakemake's start and the shard plan (0.6 s), the merge after the last shard (it copies the")
    w("shards' compressed blocks and reads them only to build the index: about 0.5 CPU s per million records) and the exit. Three")
    w("changes of 2026-11-29 removed the rest:")
    w("")
    w("- Snakemake's `benchmark:` directive, which sampled every shard job's processes, cost 5.1 CPU s (220.7 vs 215.6 CPU s, 2.3 %)")
    w("  and 2.5 s of wall time (112.0 vs 109.5 s, one run each) at 1,000,000 variants; each shard's log now holds its times")
    w("  (bash's `time`), which is where the per-shard times above come from.")
    w("- Shards of equal records are not of equal work (those in the slice's gap cost almost nothing), so the cores fell out of step")
    w("  and one waited up to a whole shard for the other at the end. The shards now run in their order (Snakemake priorities) and")
    w("  the last one is cut into 4 pieces of halving size (`taper`): 200,000 variants in shards of 25,000, 25.5 s → 23.6 s.")
    w("- Earlier: the block-copying merge, the greedy scheduler (`workflow/profiles/default`) and the exit without Snakemake's")
    w("  leftover timer (113.5 s vs 108.4 s, 1.05×, at 1,000,000 variants before them, 2026-11-29 06:41 UTC).")
    w("")
    r = runs[0]
    n = r["shards"]
    w(f"On a cluster the shards run side by side: with as many nodes as shards ({n} here) the time is about the longest shard")
    w(f"(here {r['shard_records']:,} records on one core: median {r['shard_seconds']['median']:.1f} s, longest {r['shard_seconds']['max']:.1f} s, at the load above; 6.0 s, the median")
    w("of the bench at load 2, 2026-11-29 06:41 UTC) plus the queue, Snakemake's start and the merge (serial: about 0.5 CPU s per million records); with fewer nodes,")
    w("the shard time times the rounds. Shards of equal")
    w("record counts (`shard_records`) keep the rounds even, and each job's fixed cost (under 0.1 s here, far more in a cluster's")
    w("queue) is why shards should hold minutes of work there (`workflow/config.yaml`).")
    w("")


def render_genome(w, g):
    env = g["environment"]
    w("## In the browser: variants on a genome picked from disk")
    w("")
    w(f"The web app's Genome variants view (`bench/browser/genome.mjs`, `just bench browser-genome`) in headless Chromium {env.get('chromium')}")
    w(f"({env.get('workers')}; {env.get('cores')} cores, load average at start {env.get('loadAverageAtStart')}, at end {env.get('loadAverageAtEnd')}):")
    w(f"{g['variants']:,} SNVs evenly spread over a reference (the 1 Mb hg19 chr22 slice of `../shared/data/genome`, or that slice")
    w(f"repeated into one larger chromosome), model {g['model']}, picked with the file inputs as a user would; the page reads the VCF")
    w("slice by slice and of the reference only the bytes (or BGZF blocks) that hold each chunk's windows, and scores them in its")
    w("workers. Time: the app's `regula:genome-start`/`regula:genome-done` marks around the run (reading, scoring, the table).")
    w("Memory: the resident set of the whole Chromium process tree (page, workers, browser), sampled every 100 ms; growth is")
    w("the peak during the run minus the value just before it. Whether it is flat in the reference's size is judged on one VCF")
    w("(that of the first large reference) against references of different sizes: the larger one's first bases are the same")
    w("bytes (the slice repeated: the same lines, the same BGZF blocks), so the page reads the same ranges and blocks and only the")
    w("reference's size, and its indexes', differs. Flat: the larger reference adds less than a tenth of its extra bytes to the")
    w("growth (reading it whole would add them all). Each larger reference is also scored with its own VCF, spread over its")
    w("whole length, where fewer windows share a BGZF block: that pattern follows the VCF's density, not the reference's size,")
    w("and what it holds is bounded by the chunks in flight (2 per worker, 128 variants each, at most one 64 KiB block per window).")
    w("")
    w("| reference | file | strands | not scored | variants/s | time | RSS before → peak (growth) | JS heap peak | load before |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in g.get("runs", []):
        w(f"| {r['reference']} | {r['fileBytes'] / 1e6:,.1f} MB | {r['strands']} | {r.get('notScored', '?')} | **{r['variantsPerSecond']:,.0f}** | {r['seconds']:.1f} s | {r['rssBaselineMiB']:,.0f} → {r['rssPeakMiB']:,.0f} MiB ({r['rssGrowthMiB']:+,.0f}) | {r['jsHeapPeakMiB']:,.1f} MiB | {', '.join(f'{x:.1f}' for x in r['loadAverageBefore'])} |")
    if any(r["strands"] == "both" and not r["met"] for r in g.get("runs", [])):
        w("")
        w("Averaging both strands runs twice the forward passes of the forward strand alone (four windows per variant")
        w("instead of two), so it runs at about half the rate; the target is met for the app's default (forward strand).")
        w("Every run shares two cores with the other work on the machine (the load averages above).")
    if g.get("error"):
        w("")
        w(f"The run failed: `{g['error'].splitlines()[0]}`")
    w("")


def render_ism(w, r):
    m = r["median_seconds"]
    w("## Native saturation mutagenesis")
    w("")
    w(f"`regula-train ism` (ONNX Runtime CPU, {r['threads']} threads) on a 1,000 bp hg19 sequence with the {r['model']}:")
    w(f"{r['substitutions']:,} substitutions, wall time of the whole command (`bench/ism/native_ism.py`, `just bench ism`).")
    w("The fast path reruns the trunk only on the window a substitution changes (the shared inference layer,")
    w("`infer/src/ism.rs`); `--method naive` runs one full forward pass per substitution, as native ISM did before.")
    w(f"All methods give the same 3,000 rows; effects differ by at most {r['max_effect_difference']:.1e} (the TSV has 6 decimals).")
    load = r.get("load_average")
    if load:
        w(f"Load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load['before'])} before the runs, {', '.join(f'{x:.1f}' for x in load['after'])} after:")
        w("the ratio depends on it — about 40 ms of every run is starting ONNX Runtime, which weighs more on an idle machine,")
        w("while the naive passes (2 intra-op threads) slow down more on a loaded one.")
    w("")
    w("| method | runs (s) | median |")
    w("|---|---|---|")
    labels = {"fast": "fast (default)", "naive": "`--method naive`", "before": r.get("before_label", "before")}
    for k, runs in r["seconds"].items():
        w(f"| {labels.get(k, k)} | {', '.join(f'{s:.2f}' for s in runs)} | {m[k]:.2f} s |")
    w("")
    sh = r.get("shipped")
    if sh:
        sm = sh["median_seconds"]
        w(f"The shipped {sh['model']}, {sh['sequences']} lentiMPRA sequences (3 × 230 substitutions each): a substitution's window spans")
        w("the whole input, so the windowed path saves nothing, and `fast` runs incremental mutagenesis (each layer recomputed")
        w(f"only over the outputs that change): **{sm['naive'] / sm['fast']:.1f}×** faster than naive.")
        w("")
        w("| method | runs (s) | median |")
        w("|---|---|---|")
        for k, runs in sh["seconds"].items():
            w(f"| {'fast (incremental)' if k == 'fast' else k} | {', '.join(f'{s:.2f}' for s in runs)} | {sm[k]:.2f} s |")
        w("")


def render_package(w, r):
    w("## The npm package (wasm-pack): size per build profile")
    w("")
    w(f"`wasm/build.sh` (`{r['tools']['wasmPack']}`, `wasm-pack build --target web --mode no-install`, {r['tools']['wasmBindgen']},")
    w(f"SIMD, no wasm-opt) per cargo profile (`just bench package`, `bench/package/sizes.mjs`; {r['tools']['rustc']}). wasm-pack")
    w("runs wasm-bindgen without `--remove-name-section`, so the wasm keeps its name section (function names);")
    w("`scripts/strip-wasm-names.mjs` removes it from the package that ships. `wasm-release` is the size-tuned profile of the root")
    w("`Cargo.toml` (fat LTO, one codegen unit, `panic = abort`, opt-level \"z\" except tract-linalg, tract-data and regula-infer); `release` is")
    w("cargo's, as `wasm-pack build --release` uses it. Both build the patched tract crates of `vendor/` (only the ONNX ops the")
    w("predictor allows are registered). Sizes of `regula_wasm_bg.wasm` (gzip -9); the tarball is `npm pack`'s.")
    w("")
    w("| profile | wasm raw | wasm gzip | as wasm-pack leaves it (raw / gzip) | name section | npm tarball |")
    w("|---|---|---|---|---|---|")
    for p in r["profiles"]:
        s, n = p["shipped"], p["withNameSection"]
        w(f"| `{p['profile']}` | **{s['rawBytes'] / 1e6:.2f} MB** | **{s['gzipBytes'] / 1e6:.2f} MB** | {n['rawBytes'] / 1e6:.2f} MB / {n['gzipBytes'] / 1e6:.2f} MB | "
          f"{p['nameSectionBytes'] / 1e6:.2f} MB | {p['tarballBytes'] / 1e6:.2f} MB |")
    w("")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results")

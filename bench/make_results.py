#!/usr/bin/env python3
"""Turns the BenchmarkDotNet CSV reports of bench/AttentionGen.Bench into the tables of bench/RESULTS.md.

Usage: python3 bench/make_results.py bench/AttentionGen.Bench/BenchmarkDotNet.Artifacts/results > tables.md
Peaks (../shared/PEERS.md): Vector512 FMA 225 GFLOP/s, Vector256 112 GFLOP/s on one core.
"""
import csv, glob, os, sys

SHAPES = ["H1-S16-d64", "H8-S32-d8", "H4-S64-d32", "H12-S128-d64", "H8-S512-d64", "H1-S2048-d64"]
FLOPS = {"H1-S16-d64": 4*1*16*16*64, "H8-S32-d8": 4*8*32*32*8, "H4-S64-d32": 4*4*64*64*32,
         "H12-S128-d64": 4*12*128*128*64, "H8-S512-d64": 4*8*512*512*64, "H1-S2048-d64": 4*1*2048*2048*64}
TARGET = {"H1-S16-d64": 3.0, "H8-S32-d8": 3.0, "H4-S64-d32": 1.3, "H12-S128-d64": 1.1, "H8-S512-d64": 1.0, "H1-S2048-d64": 1.0}
PEAK512, PEAK256 = 225.0, 112.0

def us(text):
    text = text.replace(",", "").strip()
    if not text or text in ("NA", "-"):
        return None
    value, unit = text.split()
    return float(value) * {"ns": 1e-3, "us": 1.0, "μs": 1.0, "ms": 1e3, "s": 1e6}[unit]

def load(pattern):
    rows = []
    for path in glob.glob(pattern):
        with open(path, newline="", encoding="utf-8") as f:
            rows += list(csv.DictReader(f, delimiter=","))
    return rows

def main(folder):
    peers = load(os.path.join(folder, "*PeerBenchmarks-report.csv"))
    paths = load(os.path.join(folder, "*PathBenchmarks-report.csv"))
    t = {}
    for r in peers:
        t[(r["Shape"], r["Causal"], r["Method"])] = (us(r["Mean"]), r.get("Allocated", "?"))
    for r in paths:
        t[(r["Shape"], r["Causal"], "Path" + r["Job"])] = (us(r["Mean"]), r.get("Allocated", "?"))

    def get(s, c, m):
        v = t.get((s, c, m))
        return v[0] if v else None

    def fmt(x):
        return "n/a" if x is None else (f"{x:,.2f}" if x < 100 else f"{x:,.0f}")

    print("### One thread: µs per call (GFLOP/s), ratio = best ONNX Runtime / ours\n")
    print("| shape | causal | ours (Vector512) | GF/s | % V512 peak | ORT Attention | ORT MHA | ratio | target | TensorPrimitives | runtime-sized tiled | naive C# | allocated (ours) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for s in SHAPES:
        for c in ("False", "True"):
            ours = get(s, c, "Generated")
            ort = [x for x in (get(s, c, "OrtAttention1T"), get(s, c, "OrtMha1T")) if x]
            best = min(ort) if ort else None
            gf = FLOPS[s] / ours / 1e3 if ours else None
            ratio = best / ours if ours and best else None
            target = (f"≥ {TARGET[s]}×" if c == "False" else ("≥ 1.8×" if s in ("H12-S128-d64", "H8-S512-d64", "H1-S2048-d64") else "—"))
            alloc = t.get((s, c, "Generated"), (None, "?"))[1]
            print(f"| {s} | {'yes' if c == 'True' else 'no'} | {fmt(ours)} | {fmt(gf)} | {gf / PEAK512 * 100:.0f} % | {fmt(get(s, c, 'OrtAttention1T'))} | {fmt(get(s, c, 'OrtMha1T'))} | "
                  f"{'n/a' if ratio is None else f'**{ratio:.2f}×**'} | {target} | {fmt(get(s, c, 'TensorPrimitives'))} | {fmt(get(s, c, 'RuntimeTiled'))} | {fmt(get(s, c, 'Naive'))} | {alloc} |")
    print()
    print("### Two threads: µs per call, ratio = best ONNX Runtime (2 threads) / ours (maxDegreeOfParallelism 2)\n")
    print("| shape | causal | ours 1 thread | ours 2 threads | our scaling | ORT Attention 2T | ORT MHA 2T | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for s in SHAPES:
        for c in ("False", "True"):
            one, two = get(s, c, "Generated"), get(s, c, "Generated2T")
            ort = [x for x in (get(s, c, "OrtAttention2T"), get(s, c, "OrtMha2T")) if x]
            best = min(ort) if ort else None
            print(f"| {s} | {'yes' if c == 'True' else 'no'} | {fmt(one)} | {fmt(two)} | {'n/a' if not (one and two) else f'{one / two:.2f}×'} | "
                  f"{fmt(get(s, c, 'OrtAttention2T'))} | {fmt(get(s, c, 'OrtMha2T'))} | {'n/a' if not (two and best) else f'**{best / two:.2f}×**'} |")
    if paths:
        print()
        print("### Our three paths (PathBenchmarks: one process per job, SIMD switched by environment)\n")
        print("| shape | causal | Vector512 µs | GF/s (% of 225) | Vector256 µs | GF/s (% of 112) | scalar µs |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for s in SHAPES:
            for c in ("False", "True"):
                a, b, sc = get(s, c, "PathVector512"), get(s, c, "PathVector256"), get(s, c, "PathScalar")
                ga = FLOPS[s] / a / 1e3 if a else None
                gb = FLOPS[s] / b / 1e3 if b else None
                print(f"| {s} | {'yes' if c == 'True' else 'no'} | {fmt(a)} | {'n/a' if ga is None else f'{ga:.1f} ({ga / PEAK512 * 100:.0f} %)'} | "
                      f"{fmt(b)} | {'n/a' if gb is None else f'{gb:.1f} ({gb / PEAK256 * 100:.0f} %)'} | {fmt(sc)} |")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/AttentionGen.Bench/BenchmarkDotNet.Artifacts/results")

#!/usr/bin/env python3
"""Console load benchmark (issue 25): how much do 20 browser pages polling a run slow it, and how
long does the runs page take to serve 100 runs?

  python3 bench/console-load.py [--moma distribution/target/moma/bin/moma] [--rounds 3] [--clients 20]
                                [--steps 300] [--work console-bench] [--from-start]

It starts `moma console` on a free loopback port with a runs folder under --work (removed at the
end), then in each round trains the same spec twice through POST /api/runs, once with no client
and once with --clients pages open on it (each polls the metrics from its last step every second
and the run's status every 2 s, as run.html does; with --from-start every poll asks for all
lines from step 1), in alternating order. A run's speed is the
(on one machine the clients' own CPU competes with the run too)\nmedian tokens/s of its steps after the fifth; the report gives each round's figures and the
median ratio. Then it fills the folder with 100 runs (copies of a finished one) and times
GET /api/runs 30 times after a warm-up. Nothing here is a test: the figures depend on the machine.
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, threading, time, urllib.request

SPEC = {"name": "NAME", "seed": 1, "device": "cpu",
        "model": {"dModel": 128, "layers": 2, "heads": 4, "ffnDim": 512, "seqLen": 128,
                  "ffn": {"name": "moma", "options": {"experts": {"text": 2, "image": 2}}}},
        "training": {"steps": 300, "batchSize": 8, "learningRate": 0.003, "warmupSteps": 10}}


def get(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def page(base, name, stop, from_start):
    """One open run page: metrics from its last step (or all of them) every second, the status every 2 s."""
    last, tick = 0, 0
    while not stop.is_set():
        lines = get(f"{base}/api/runs/{name}/metrics?from={1 if from_start else last + 1}")
        if lines:
            last = lines[-1]["step"]
        if tick % 2 == 0:
            get(f"{base}/api/runs/{name}")
        tick += 1
        stop.wait(1.0)


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def train(base, runs, name, steps, clients, from_start, console_pid):
    spec = json.loads(json.dumps(SPEC).replace("NAME", name))
    spec["training"]["steps"] = steps
    name = post(f"{base}/api/runs", spec)["name"]
    console_before, clients_before = cpu_seconds(console_pid), time.process_time()
    stop = threading.Event()
    pages = [threading.Thread(target=page, args=(base, name, stop, from_start), daemon=True) for _ in range(clients)]
    for p in pages:
        p.start()
    while get(f"{base}/api/runs/{name}")["state"] not in ("finished", "failed", "stopped", "killed"):
        time.sleep(0.5)
    stop.set()
    for p in pages:
        p.join()
    cpu = (cpu_seconds(console_pid) - console_before, time.process_time() - clients_before)
    speeds = [json.loads(l)["tokensPerSecond"] for l in open(os.path.join(runs, name, "metrics.jsonl")) if l.strip()]
    return name, statistics.median(speeds[5:]), cpu


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--moma", default=os.path.join(here, "..", "distribution", "target", "moma", "bin", "moma"))
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--clients", type=int, default=20)
    a.add_argument("--steps", type=int, default=300)
    a.add_argument("--work", default="console-bench")
    a.add_argument("--from-start", action="store_true", help="each poll asks for every line from step 1 (the worst case)")
    a.add_argument("--lines", type=int, default=0, help="give each of the 100 runs this many metrics lines (long runs)")
    a.add_argument("--skip-training", action="store_true", help="time the runs page only (one short run is trained to copy)")
    o = a.parse_args()
    if os.path.exists(o.work):
        sys.exit(f"{o.work} exists: give another --work (this benchmark removes its folder at the end)")
    os.makedirs(o.work)
    runs = os.path.abspath(os.path.join(o.work, "runs"))
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    base = f"http://127.0.0.1:{port}"
    console = subprocess.Popen([o.moma, "console", "--port", str(port), "--runs", runs], cwd=o.work,
                               stdout=open(os.path.join(o.work, "console.log"), "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(180):
            try:
                get(f"{base}/api/runs", 2); break
            except OSError:
                time.sleep(0.5)
        quiet, polled, last = [], [], None
        if o.skip_training:
            last, _, _ = train(base, runs, "seed-run", 20, 0, False, console.pid)
        for r in range(0 if o.skip_training else o.rounds):
            order = [0, o.clients] if r % 2 == 0 else [o.clients, 0]
            for clients in order:
                name, speed, cpu = train(base, runs, f"{'polled' if clients else 'quiet'}-{r + 1}", o.steps, clients, o.from_start, console.pid)
                (polled if clients else quiet).append(speed)
                last = name
                print(f"round {r + 1}: {clients:2d} pages open: {speed:8.0f} tokens/s; CPU while it trained: console {cpu[0]:5.1f} s,"
                      f" the {clients} clients (this script) {cpu[1]:5.1f} s", flush=True)
        ratios = [p / q for p, q in zip(polled, quiet)]
        if ratios:
            print("(on one machine the clients' own CPU competes with the run too)")
            print(f"median tokens/s: {statistics.median(quiet):.0f} with no page, {statistics.median(polled):.0f} with {o.clients} pages;"
                  f" ratio per round {', '.join(f'{x:.3f}' for x in ratios)}; median ratio {statistics.median(ratios):.3f}")
        template = os.path.join(runs, last, "metrics.jsonl")
        if o.lines:
            first = json.loads(open(template).readline())
            with open(template + ".long", "w") as f:
                for step in range(1, o.lines + 1):
                    first["step"] = step
                    f.write(json.dumps(first) + "\n")
        for i in range(100 - len(os.listdir(runs)) + 1):
            copy = os.path.join(runs, f"copy-{i:03d}")
            shutil.copytree(os.path.join(runs, last), copy, ignore=shutil.ignore_patterns("checkpoints", ".lock", "*.long"))
            if o.lines:
                shutil.copyfile(template + ".long", os.path.join(copy, "metrics.jsonl"))
        n = len(get(f"{base}/api/runs"))
        times = []
        for i in range(35):
            t = time.perf_counter(); get(f"{base}/api/runs"); times.append(time.perf_counter() - t)
        times = times[5:]
        print(f"GET /api/runs with {n} runs ({o.lines or o.steps} metrics lines each): median {1000 * statistics.median(times):.1f} ms,"
              f" max {1000 * max(times):.1f} ms over {len(times)} calls")
    finally:
        console.terminate()
        console.wait(120)
        shutil.rmtree(o.work)


if __name__ == "__main__":
    main()

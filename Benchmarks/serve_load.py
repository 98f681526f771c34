#!/usr/bin/env python3
"""Load client for `wildir serve` (standard library only): JOBS photo restorations from CLIENTS concurrent clients.

Each client takes the next job, submits it (POST /v1/jobs), and on 429 checks the Retry-After header, waits that long
and submits again; once accepted it polls GET /v1/jobs/{id} until the job ends and downloads the result. Every job is
one JSON line: its attempts, each refusal's Retry-After, the final state, and the times submit→result (from the first
attempt, refusals included) and accepted→result. The server's resident memory (VmRSS of --pid) is sampled throughout.
Everything is bounded: no new job starts after --deadline seconds, every request times out, and a job still
unfinished at the deadline is recorded as such.

Usage: serve_load.py --url http://127.0.0.1:PORT --pid PID --jobs 200 --clients 16 --deadline 600 \
           --jsonl out.jsonl --markdown out.md --header TEXT IMAGE...
"""
import argparse
import itertools
import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid

REQUEST_TIMEOUT = 30
POLL_SECONDS = 0.05


def request(method, url, body=None, headers=None):
    """(status, headers, body) of one HTTP request; HTTP errors are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def multipart(image_bytes, file_name, fields):
    boundary = "wildir-load-" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{file_name}"\r\n'
                 f'Content-Type: application/octet-stream\r\n\r\n'.encode() + image_bytes + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Run:
    def __init__(self, args):
        self.args = args
        self.images = [(os.path.basename(path), open(path, "rb").read()) for path in args.images]
        self.next_job = itertools.count()
        self.lock = threading.Lock()
        self.records = []
        self.samples = []
        self.started = time.monotonic()
        self.stop_sampling = threading.Event()

    def elapsed(self):
        return time.monotonic() - self.started

    def past_deadline(self):
        return self.elapsed() > self.args.deadline

    def sample_memory(self):
        while not self.stop_sampling.is_set():
            value = rss_kib(self.args.pid)
            if value is not None:
                with self.lock:
                    self.samples.append((self.elapsed(), value))
            self.stop_sampling.wait(self.args.sample_seconds)

    def client(self, index):
        while not self.past_deadline():
            job = next(self.next_job)
            if job >= self.args.jobs:
                return
            record = self.run_job(index, job)
            with self.lock:
                self.records.append(record)

    def run_job(self, client, job):
        name, image = self.images[job % len(self.images)]
        body, content_type = multipart(image, name, {"seed": str(job)})
        record = {"job": job, "client": client, "image": name, "attempts": 0, "refusals": [], "accepted": False,
                  "state": None, "errors": []}
        first = time.monotonic()
        job_id = None
        accepted_at = None
        while not self.past_deadline():
            record["attempts"] += 1
            try:
                status, headers, reply = request("POST", self.args.url + "/v1/jobs", body, {"Content-Type": content_type})
            except OSError as error:
                record["errors"].append(f"submit: {error}")
                return record
            if status == 202:
                job_id = json.loads(reply)["id"]
                accepted_at = time.monotonic()
                break
            if status == 429:
                retry_after = headers.get("Retry-After")
                code = (json.loads(reply).get("error") or {}).get("code") if reply else None
                record["refusals"].append({"retry_after": retry_after, "code": code})
                if retry_after is None or not retry_after.isdigit():
                    record["errors"].append("429 without a usable Retry-After")
                    return record
                time.sleep(int(retry_after))
                continue
            record["errors"].append(f"submit: HTTP {status}: {reply[:200].decode(errors='replace')}")
            return record
        if job_id is None:
            record["state"] = "not submitted before the deadline"
            return record
        record["accepted"] = True
        record["id"] = job_id
        while True:
            try:
                status, _, reply = request("GET", f"{self.args.url}/v1/jobs/{job_id}")
            except OSError as error:
                record["errors"].append(f"status: {error}")
                return record
            state = json.loads(reply).get("state") if status == 200 else f"HTTP {status}"
            if state in ("succeeded", "failed", "cancelled") or status != 200:
                break
            if self.elapsed() > self.args.deadline + self.args.grace:
                record["state"] = f"still {state} at the deadline"
                return record
            time.sleep(POLL_SECONDS)
        record["state"] = state
        if state == "succeeded":
            try:
                status, headers, result = request("GET", f"{self.args.url}/v1/jobs/{job_id}/result")
            except OSError as error:
                record["errors"].append(f"result: {error}")
                return record
            if status != 200 or not result.startswith(b"\x89PNG"):
                record["errors"].append(f"result: HTTP {status}, {len(result)} bytes")
            record["result_bytes"] = len(result)
        done = time.monotonic()
        record["submit_to_result_s"] = round(done - first, 4)
        record["accepted_to_result_s"] = round(done - accepted_at, 4)
        return record


def percentile(values, fraction):
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def summary(records, samples, args, wall):
    records = sorted(records, key=lambda r: r["job"])
    succeeded = [r for r in records if r["state"] == "succeeded" and not r["errors"]]
    latencies = [r["submit_to_result_s"] for r in succeeded]
    accepted_latencies = [r["accepted_to_result_s"] for r in succeeded]
    refusals = [refusal for r in records for refusal in r["refusals"]]
    states = {}
    for r in records:
        states[r["state"]] = states.get(r["state"], 0) + 1
    quarter = max(1, len(samples) // 4)
    quartiles = [[kib for _, kib in samples[i * quarter:(i + 1) * quarter if i < 3 else len(samples)]] for i in range(4)]
    return {
        "summary": True,
        "jobs_asked": args.jobs, "jobs_started": len(records), "clients": args.clients,
        "accepted": sum(r["accepted"] for r in records),
        "jobs_refused_at_least_once": sum(1 for r in records if r["refusals"]),
        "refusals_429": len(refusals),
        "refusals_with_retry_after": sum(1 for x in refusals if x["retry_after"] is not None),
        "refusal_codes": sorted({x["code"] for x in refusals if x["code"]}),
        "states": states,
        "errors": [e for r in records for e in r["errors"]],
        "wall_s": round(wall, 2),
        "throughput_jobs_per_s": round(len(succeeded) / wall, 3) if wall > 0 else None,
        "latency_p50_s": round(percentile(latencies, 0.5), 3), "latency_p99_s": round(percentile(latencies, 0.99), 3),
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "accepted_latency_p50_s": round(percentile(accepted_latencies, 0.5), 3),
        "accepted_latency_p99_s": round(percentile(accepted_latencies, 0.99), 3),
        "rss_samples": len(samples),
        "rss_quartile_means_mib": [round(statistics.mean(q) / 1024, 1) for q in quartiles if q],
        "rss_first_quartile_mib": round(statistics.mean(quartiles[0]) / 1024, 1) if samples else None,
        "rss_last_quartile_mib": round(statistics.mean(quartiles[3]) / 1024, 1) if samples else None,
        "rss_max_mib": round(max(kib for _, kib in samples) / 1024, 1) if samples else None,
    }


def markdown(result, header, server_metrics):
    s = result
    drift = (s["rss_last_quartile_mib"] - s["rss_first_quartile_mib"]) if s["rss_samples"] else float("nan")
    lines = [header, "",
             "| measure | value |", "|---|---:|",
             f"| jobs submitted / finished | {s['jobs_started']} / {sum(v for k, v in s['states'].items() if k in ('succeeded', 'failed', 'cancelled'))} |",
             f"| final states | {', '.join(f'{k}: {v}' for k, v in sorted(s['states'].items(), key=lambda kv: str(kv[0])))} |",
             f"| accepted (after any retries) | {s['accepted']} |",
             f"| 429 refusals (jobs refused at least once) | {s['refusals_429']} ({s['jobs_refused_at_least_once']}) |",
             f"| 429s with Retry-After, then retried | {s['refusals_with_retry_after']} of {s['refusals_429']} |",
             f"| errors (anything but 202, 429 or a clean end) | {len(s['errors'])} |",
             f"| wall time | {s['wall_s']} s |",
             f"| throughput | {s['throughput_jobs_per_s']} jobs/s |",
             f"| submit → result p50 / p99 / max (refusal waits included) | {s['latency_p50_s']} / {s['latency_p99_s']} / {s['latency_max_s']} s |",
             f"| accepted → result p50 / p99 | {s['accepted_latency_p50_s']} / {s['accepted_latency_p99_s']} s |",
             f"| server RSS, first quartile of the run → last quartile (mean) | {s['rss_first_quartile_mib']} → {s['rss_last_quartile_mib']} MiB ({drift:+.1f} MiB) |",
             f"| server RSS, mean of each quarter of the run | {' → '.join(str(q) for q in s['rss_quartile_means_mib'])} MiB |",
             f"| server RSS, highest sample ({s['rss_samples']} samples) | {s['rss_max_mib']} MiB |",
             ""]
    if server_metrics:
        lines += ["The server's own counters at the end (`/metrics`): " + ", ".join(f"`{m}`" for m in server_metrics) + ".", ""]
    if s["errors"]:
        lines += ["Errors:", ""] + [f"- {e}" for e in s["errors"][:20]] + [""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's process id (RSS sampling)")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--deadline", type=float, default=600, help="seconds after which no job is submitted")
    parser.add_argument("--grace", type=float, default=60, help="seconds past the deadline a job may take to end")
    parser.add_argument("--sample-seconds", type=float, default=0.25)
    parser.add_argument("--jsonl", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--header", default="")
    parser.add_argument("--rerender", action="store_true",
                        help="write the Markdown again from an existing --jsonl (no requests are made)")
    parser.add_argument("images", nargs="*")
    args = parser.parse_args()
    if args.rerender:
        lines = [json.loads(line) for line in open(args.jsonl)]
        records = [line for line in lines if "job" in line]
        samples = [(line["rss_sample_s"], line["rss_kib"]) for line in lines if "rss_kib" in line]
        old = next(line for line in lines if line.get("summary"))
        args.jobs, args.clients = old["jobs_asked"], old["clients"]
        result = summary(records, samples, args, old["wall_s"])
        with open(args.markdown, "w") as out:
            out.write(markdown(result, args.header, old.get("server_metrics", [])))
        return
    if not args.images:
        parser.error("give the images to upload")

    run = Run(args)
    sampler = threading.Thread(target=run.sample_memory, daemon=True)
    sampler.start()
    clients = [threading.Thread(target=run.client, args=(i,), daemon=True) for i in range(args.clients)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(args.deadline + args.grace + 2 * REQUEST_TIMEOUT)
    wall = run.elapsed()
    run.stop_sampling.set()
    sampler.join()

    server_metrics = []
    try:
        _, _, text = request("GET", args.url + "/metrics")
        server_metrics = [line for line in text.decode().splitlines()
                          if line.startswith(("wildir_jobs_submitted_total", "wildir_jobs_refused_total", "wildir_jobs_finished_total"))]
    except OSError:
        pass
    result = summary(run.records, run.samples, args, wall)
    result["server_metrics"] = server_metrics
    with open(args.jsonl, "w") as out:
        for record in sorted(run.records, key=lambda r: r["job"]):
            out.write(json.dumps(record, sort_keys=True) + "\n")
        for elapsed, kib in run.samples:
            out.write(json.dumps({"rss_sample_s": round(elapsed, 3), "rss_kib": kib}) + "\n")
        out.write(json.dumps(result, sort_keys=True) + "\n")
    with open(args.markdown, "w") as out:
        out.write(markdown(result, args.header, server_metrics))
    print(markdown(result, args.header, server_metrics))
    clean = not result["errors"] and result["states"].get("succeeded", 0) == args.jobs
    raise SystemExit(0 if clean else 1)


if __name__ == "__main__":
    main()

"""Sends every panel query of a Grafana dashboard to a real Prometheus and requires data.

Variables are substituted the way Grafana would for one job and all ranks; $__rate_interval
becomes --rate-interval. Also resolves the dashboard's label_values() variables and checks the
datasource wiring against the provisioning file. Exit 0 when every query succeeds with a
non-empty result; 1 otherwise, naming each failing panel and query.

Usage: check_dashboard.py DASHBOARD.json PROMETHEUS_URL JOB [--rate-interval 30s]
                          [--datasource-provisioning FILE.yaml]
"""
import argparse
import json
import re
import sys
import urllib.parse
import urllib.request


def query(url, expr):
    q = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{q}", timeout=10) as r:
        return json.load(r)


def panels(items):
    for p in items:
        yield p
        yield from panels(p.get("panels", []))


def substitute(expr, job, rate_interval):
    values = {"job": job, "rank": ".*", "__rate_interval": rate_interval,
              "__interval": rate_interval, "__range": "5m"}
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in values:
            raise KeyError(f"unknown dashboard variable ${name}")
        return values[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dashboard")
    ap.add_argument("prometheus")
    ap.add_argument("job")
    ap.add_argument("--rate-interval", default="30s")
    ap.add_argument("--datasource-provisioning")
    a = ap.parse_args()
    dash = json.load(open(a.dashboard))
    failures = 0
    checked = 0

    variables = {v["name"]: v for v in dash["templating"]["list"]}
    for name in ("datasource", "job", "rank"):
        if name not in variables:
            print(f"FAIL dashboard has no ${name} variable")
            failures += 1
    if a.datasource_provisioning and "datasource" in variables:
        text = open(a.datasource_provisioning).read()
        uid = variables["datasource"].get("current", {}).get("value")
        if f"uid: {uid}" not in text:
            print(f"FAIL datasource variable default '{uid}' is not the provisioned uid")
            failures += 1
    for name in ("job", "rank"):
        v = variables.get(name)
        if not v:
            continue
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", v["query"]["query"].strip())
        if not m:
            print(f"FAIL ${name}: cannot read its label_values() query")
            failures += 1
            continue
        selector = substitute(m.group(1), a.job, a.rate_interval)
        res = query(a.prometheus, f"count by ({m.group(2)}) ({selector})")
        values = sorted(r["metric"].get(m.group(2), "") for r in res["data"]["result"])
        wanted = a.job if name == "job" else None
        ok = res["status"] == "success" and values and (wanted is None or wanted in values)
        print(f"{'ok  ' if ok else 'FAIL'} variable ${name}: {values}")
        failures += 0 if ok else 1

    for p in panels(dash["panels"]):
        if p.get("type") == "row":
            continue
        ds = p.get("datasource", {})
        if ds.get("uid") != "${datasource}":
            print(f"FAIL panel '{p['title']}' does not use the $datasource variable")
            failures += 1
        for t in p.get("targets", []):
            expr = substitute(t["expr"], a.job, a.rate_interval)
            checked += 1
            try:
                res = query(a.prometheus, expr)
            except Exception as e:  # HTTP 400 for a bad expression lands here
                detail = getattr(e, "read", lambda: b"")().decode(errors="replace")
                print(f"FAIL panel '{p['title']}': {e} {detail}\n     {expr}")
                failures += 1
                continue
            n = len(res["data"]["result"]) if res.get("status") == "success" else 0
            if n == 0:
                print(f"FAIL panel '{p['title']}': no data\n     {expr}")
                failures += 1
            else:
                sample = res["data"]["result"][0]["value"][1]
                print(f"ok   panel '{p['title']}' [{t['refId']}]: {n} series, e.g. {sample}")
    print(f"{checked} panel queries, {failures} failures")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

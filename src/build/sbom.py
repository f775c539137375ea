#!/usr/bin/env python3
"""Write dist/nrexec-VERSION.spdx.json (SPDX 2.3) for the release binaries.

What each binary links is read from its link map (build/dist/ARCH/nrexec.map,
written by src/build/dist.mk): every archive member and start file the
linker pulled in, grouped by the component it came from -- musl, libcap-ng,
or GCC's runtime (crt start files, libgcc members). Each binary gets a
STATIC_LINK relationship to each component, naming the members.

Deterministic: the creation time is SOURCE_DATE_EPOCH, lists are sorted,
and the JSON is written with sorted keys.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RELINK = ("libcap-ng is LGPL-2.1-or-later and linked statically: whoever "
          "redistributes this binary must let recipients relink it with a "
          "modified libcap-ng; the nrexec source tree at the commit named "
          "here (make dist) and libcap-ng's Debian source package do that.")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            h.update(chunk)
    return h.hexdigest()


def pins():
    out = {}
    with open(os.path.join(HERE, "pins")) as f:
        for line in f:
            w = line.split()
            if len(w) == 3 and not line.startswith("#"):
                out[w[0]] = (w[1], w[2])
    return out


def arches():
    out = {}
    with open(os.path.join(HERE, "arches")) as f:
        for line in f:
            w = line.split()
            if w and not line.startswith("#"):
                out[w[0]] = w[1]
    return out


def deb_owner_version(path):
    """(package, version, architecture) of the Debian package that ships path."""
    real = os.path.realpath(path)
    for p in (path, real):
        r = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            pkg = r.stdout.split(":")[0].strip()
            v, arch = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${Architecture}", pkg],
                                     capture_output=True, text=True, check=True).stdout.split()
            return pkg, v, arch
    sys.exit("sbom.py: no Debian package owns %s" % path)


def linked(mapfile):
    """{component: set of members} from a GNU ld map file."""
    comp = {}
    text = open(mapfile).read()
    head = text.split("Discarded input sections")[0]
    # "Archive member included to satisfy reference by file (symbol)":
    # lines that start with ARCHIVE(MEMBER)
    for m in re.finditer(r"^(\S+\.a)\(([^)]+)\)", head, re.M):
        comp.setdefault(m.group(1), set()).add(m.group(2))
    # start files the link loaded whole ("LOAD /path/crt1.o")
    for m in re.finditer(r"^LOAD (\S+\.o)$", text, re.M):
        path = m.group(1)
        if not re.search(r"/cc[^/]*\.o$", path):  # not nrexec's own objects
            comp.setdefault(path, set()).add(os.path.basename(path))
    return comp


def classify(path):
    if "/musl/lib/" in path:
        return "musl"
    if "/capng/lib/" in path:
        return "libcap-ng"
    if "/gcc" in path and re.search(r"/(libgcc[^/]*\.a|crt[^/]*\.o)$", path):
        return "gcc-runtime"
    sys.exit("sbom.py: cannot tell which component %s belongs to" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--dist", required=True)
    ap.add_argument("arch", nargs="+")
    a = ap.parse_args()

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    pin = pins()
    triplets = arches()
    packages, rels, described = [], [], []

    def source_pkg(name, lic, note):
        ver, dsc = pin[name]
        spdxid = "SPDXRef-Package-%s" % name
        packages.append({
            "SPDXID": spdxid,
            "name": name,
            "versionInfo": ver,
            "supplier": "Organization: Debian",
            "downloadLocation": "NOASSERTION",
            "packageFileName": "%s_%s.dsc" % (name, ver.split(":")[-1]),
            "checksums": [{"algorithm": "SHA256", "checksumValue": dsc}],
            "filesAnalyzed": False,
            "sourceInfo": "Debian source package %s %s, built for each "
                          "architecture by src/build/toolchain.sh" % (name, ver),
            "licenseConcluded": lic,
            "licenseDeclared": lic,
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": "pkg:deb/debian/%s@%s?arch=source" % (name, ver),
            }],
            "comment": note,
        })
        return spdxid

    ids = {
        "musl": source_pkg("musl", "MIT", "musl libc: libc.a and its crt start files."),
        "libcap-ng": source_pkg("libcap-ng", "LGPL-2.1-or-later",
                                "cap-ng.c and lookup_table.c only. " + RELINK),
    }
    gccrt = {}

    for arch in a.arch:
        f = "nrexec-%s-linux-%s" % (a.version, arch)
        path = os.path.join(a.dist, f)
        bid = "SPDXRef-Package-nrexec-linux-%s" % arch
        described.append(bid)
        comps = {}
        for archive, members in linked(os.path.join(a.build, arch, "nrexec.map")).items():
            c = classify(archive)
            if c == "gcc-runtime":
                pkg, ver, debarch = deb_owner_version(archive)
                key = (pkg, ver)
                if key not in gccrt:
                    gccrt[key] = "SPDXRef-Package-%s" % re.sub(r"[^A-Za-z0-9.-]", "-", pkg)
                    packages.append({
                        "SPDXID": gccrt[key],
                        "name": pkg,
                        "versionInfo": ver,
                        "supplier": "Organization: Debian",
                        "downloadLocation": "NOASSERTION",
                        "filesAnalyzed": False,
                        "licenseConcluded": "GPL-3.0-or-later WITH GCC-exception-3.1",
                        "licenseDeclared": "GPL-3.0-or-later WITH GCC-exception-3.1",
                        "copyrightText": "NOASSERTION",
                        "primaryPackagePurpose": "LIBRARY",
                        "externalRefs": [{
                            "referenceCategory": "PACKAGE-MANAGER",
                            "referenceType": "purl",
                            "referenceLocator": "pkg:deb/debian/%s@%s?arch=%s" % (pkg, ver, debarch),
                        }],
                        "comment": "GCC's runtime (crt start files, libgcc "
                                   "members) that the compiler links in; the "
                                   "GCC Runtime Library Exception applies.",
                    })
                cid = gccrt[key]
            else:
                cid = ids[c]
            comps.setdefault(cid, set()).update(
                "%s(%s)" % (os.path.basename(archive), m) if archive.endswith(".a") else m
                for m in members)
        lic = sorted({"MIT"} | {p["licenseConcluded"] for p in packages if p["SPDXID"] in comps})
        packages.append({
            "SPDXID": bid,
            "name": "nrexec",
            "versionInfo": a.version,
            "supplier": "Organization: The nrexec authors",
            "downloadLocation": "NOASSERTION",
            "packageFileName": f,
            "checksums": [{"algorithm": "SHA256", "checksumValue": sha256(path)}],
            "filesAnalyzed": False,
            "sourceInfo": "built from nrexec commit %s for linux/%s by %s-gcc "
                          "(make dist)" % (a.commit, arch, triplets[arch]),
            "licenseConcluded": " AND ".join("(%s)" % l if " WITH " in l else l for l in lic),
            "licenseDeclared": "MIT",
            "copyrightText": "Copyright (c) 2026 The nrexec authors",
            "primaryPackagePurpose": "APPLICATION",
            "comment": "Static executable for linux/%s: musl and libcap-ng "
                       "linked in (see its STATIC_LINK relationships). %s" % (arch, RELINK),
        })
        rels.append({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                     "relatedSpdxElement": bid})
        for cid in sorted(comps):
            rels.append({
                "spdxElementId": bid,
                "relationshipType": "STATIC_LINK",
                "relatedSpdxElement": cid,
                "comment": "linked members: " + " ".join(sorted(comps[cid])),
            })

    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "nrexec-%s" % a.version,
        "documentNamespace": "https://spdx.org/spdxdocs/nrexec-%s-%s" % (a.version, a.commit),
        "creationInfo": {
            "created": created,
            "creators": ["Tool: nrexec src/build/sbom.py", "Organization: The nrexec authors"],
        },
        "documentDescribes": described,
        "packages": packages,
        "relationships": rels,
    }
    out = os.path.join(a.dist, "nrexec-%s.spdx.json" % a.version)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print("  %s: %d binaries, %d packages" % (out, len(described), len(packages)))


if __name__ == "__main__":
    main()

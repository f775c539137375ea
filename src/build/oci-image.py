#!/usr/bin/env python3
"""Write dist/nrexec-VERSION-oci.tar: an OCI image layout (a tar of it)
holding one FROM-scratch image per architecture -- a single layer with
/nrexec, ENTRYPOINT ["/nrexec"] -- and one multi-architecture image index
tagged VERSION, for `COPY --from=`.

Push it with skopeo (Debian's package):
    skopeo copy --all oci-archive:nrexec-VERSION-oci.tar:VERSION \\
        docker://REGISTRY/nrexec:VERSION

Written by hand rather than by buildah so that it is bit-for-bit
reproducible: every timestamp is SOURCE_DATE_EPOCH, owners are 0:0, JSON
keys are sorted, gzip carries no name or time.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile
import time

# Docker's platform names (TARGETARCH, TARGETVARIANT)
PLATFORM = {
    "amd64": ("amd64", None), "arm64": ("arm64", "v8"), "arm": ("arm", "v7"),
    "386": ("386", None), "ppc64le": ("ppc64le", None), "s390x": ("s390x", None),
    "riscv64": ("riscv64", None),
}
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def tar_bytes(entries, epoch):
    """entries: [(name, bytes or None for a directory, mode)]"""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = epoch, 0, 0, "", ""
            ti.mode = mode
            if data is None:
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--dist", required=True)
    ap.add_argument("arch", nargs="+")
    a = ap.parse_args()
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    labels = {
        "org.opencontainers.image.version": a.version,
        "org.opencontainers.image.revision": a.commit,
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.title": "nrexec",
        "org.opencontainers.image.licenses": "MIT AND LGPL-2.1-or-later",
    }
    blobs = {}

    def blob(data, mediatype):
        d = hashlib.sha256(data).hexdigest()
        blobs[d] = data
        return {"mediaType": mediatype, "digest": "sha256:" + d, "size": len(data)}

    manifests = []
    for arch in a.arch:
        goarch, variant = PLATFORM[arch]
        with open(os.path.join(a.dist, "nrexec-%s-linux-%s" % (a.version, arch)), "rb") as f:
            binary = f.read()
        layer = tar_bytes([("nrexec", binary, 0o755)], epoch)
        config = {
            "created": created,
            "architecture": goarch,
            "os": "linux",
            "config": {"Entrypoint": ["/nrexec"], "Labels": labels},
            "rootfs": {"type": "layers",
                       "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
            "history": [{"created": created, "created_by": "make dist: /nrexec"}],
        }
        if variant:
            config["variant"] = variant
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": blob(canon(config), MT_CONFIG),
            "layers": [blob(gzip.compress(layer, compresslevel=9, mtime=0), MT_LAYER)],
            "annotations": {k: v for k, v in labels.items() if k != "org.opencontainers.image.title"},
        }
        desc = blob(canon(manifest), MT_MANIFEST)
        desc["platform"] = {"architecture": goarch, "os": "linux"}
        if variant:
            desc["platform"]["variant"] = variant
        manifests.append(desc)

    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests,
             "annotations": {"org.opencontainers.image.version": a.version,
                             "org.opencontainers.image.revision": a.commit}}
    idesc = blob(canon(index), MT_INDEX)
    idesc["annotations"] = {"org.opencontainers.image.ref.name": a.version}
    top = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [idesc]}

    entries = [("blobs", None, 0o755), ("blobs/sha256", None, 0o755)]
    entries += [("blobs/sha256/" + d, blobs[d], 0o644) for d in sorted(blobs)]
    entries += [("index.json", canon(top), 0o644),
                ("oci-layout", canon({"imageLayoutVersion": "1.0.0"}), 0o644)]
    out = os.path.join(a.dist, "nrexec-%s-oci.tar" % a.version)
    with open(out, "wb") as f:
        f.write(tar_bytes(entries, epoch))
    print("  %s: index %s, %d architectures" % (out, idesc["digest"], len(manifests)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""bench/pods/measure.py - create->Running latency of pods made through the
/cluster mount, and the floor: plain `runc run` of a bundle with the same
image and command.

usage: measure.py pods SERVER TOKEN MOUNT N      -> JSON list of ms per pod
       measure.py runc IMAGE_ROOTFS WORKDIR N    -> JSON list of ms per run
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers: [{{name: c, image: busybox, command: [sleep, "3600"]}}]
"""


def pods(server, token, mount, n):
    running = {}
    cond = threading.Condition()

    def watch():
        req = urllib.request.Request(server + "/api/v1/namespaces/default/pods?watch=true",
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req) as r:
            for line in r:
                ev = json.loads(line)
                obj = ev.get("object", {})
                name = obj.get("metadata", {}).get("name")
                if obj.get("status", {}).get("phase") == "Running":
                    with cond:
                        running.setdefault(name, time.monotonic())
                        cond.notify_all()

    threading.Thread(target=watch, daemon=True).start()
    time.sleep(0.5)
    out = []
    for i in range(n):
        name = "bench-%03d" % i
        t0 = time.monotonic()
        with open(os.path.join(mount, "pods", name + ".yaml"), "w") as f:
            f.write(POD.format(name=name))
        with cond:
            if not cond.wait_for(lambda: name in running, timeout=30):
                sys.exit("pod %s not Running in 30 s" % name)
            out.append((running[name] - t0) * 1000)
    return out


def runc(rootfs, work, n):
    bundle = os.path.join(work, "bundle")
    os.makedirs(bundle, exist_ok=True)
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    with open(os.path.join(bundle, "config.json")) as f:
        c = json.load(f)
    c["process"]["terminal"] = False
    c["process"]["args"] = ["sleep", "3600"]
    c["root"] = {"path": rootfs, "readonly": True}
    c["linux"]["cgroupsPath"] = "/minik8s-bench/floor"
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(c, f)
    root = os.path.join(work, "runc")
    out = []
    for i in range(n):
        cid = "floor-%03d" % i
        t0 = time.monotonic()
        subprocess.run(["runc", "--root", root, "run", "-d", cid], cwd=bundle, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((time.monotonic() - t0) * 1000)
        subprocess.run(["runc", "--root", root, "delete", "-f", cid], check=True)
    return out


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "pods":
        print(json.dumps(pods(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))
    else:
        print(json.dumps(runc(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
